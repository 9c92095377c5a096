package dev.durablestash.spring.web.servlet;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.handler.TextWebSocketHandler;

import dev.durablestash.spring.web.servlet.websocket.WebSocketTestApplication;
import dev.durablestash.spring.web.servlet.websocket.Handshakes;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Plain WebSocket handlers and the browser session, on Tomcat with real WebSocket clients: the
 * upgrade request goes through the sid filter like any request (its browser session is there,
 * unresolved until something asks for the sid, and then reads or issues the cookie, which comes
 * with the 101 answer); the starter puts nothing into the WebSocket session's attributes; and a
 * handler that keeps the sid from the handshake can keep state per browser session through the
 * engine.
 */
@SpringBootTest(classes = WebSocketTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties =
        "durable-stash.storage.type=memory")
class WebSocketBrowserSessionMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Autowired
    Handshakes handshakes;

    @BeforeEach
    void forgetEarlierHandshakes() {
        handshakes.clear();
    }

    @Test
    void theUpgradeRequestHasItsBrowserSessionButGetsNoCookieAndTheSocketNoAttributesWhenNothingAsksForTheSid()
            throws Exception {
        String answer = handshake("/plain", null);
        assertThat(answer).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("Set-Cookie");
        assertThat(handshakes.nextBrowserSession()).isEqualTo("BrowserSession[unresolved]");
        assertThat(handshakes.nextAttributes()).isEmpty();
    }

    @Test
    void anInterceptorThatAsksForTheSidGetsTheSessionOfTheBrowsersCookieAndSetsNoCookie() throws Exception {
        Browser browser = new Browser(port);
        browser.get("/counter");
        String answer = handshake("/tally", browser.sidCookie());
        assertThat(answer).startsWith("HTTP/1.1 101").doesNotContainIgnoringCase("Set-Cookie");
        assertThat(handshakes.nextBrowserSession()).isEqualTo("BrowserSession[from cookie]");
    }

    @Test
    void anInterceptorThatAsksForTheSidWithAForgedCookieGetsANewSessionWhoseCookieComesWithThe101() throws Exception {
        String answer = handshake("/tally", "forged-value");
        assertThat(answer).startsWith("HTTP/1.1 101").contains("Set-Cookie: sid=").doesNotContain("forged-value");
        assertThat(handshakes.nextBrowserSession()).isEqualTo("BrowserSession[new]");
    }

    @Test
    void aHandlerThatKeepsTheSidOfTheHandshakeKeepsEachBrowsersStateApartAndAcrossConnections() throws Exception {
        Browser ada = new Browser(port);
        Browser bob = new Browser(port);
        ada.get("/counter");
        bob.get("/counter");

        Tally adaFirst = Tally.open(port, ada.sidCookie());
        assertThat(adaFirst.add()).isEqualTo("1");
        assertThat(adaFirst.add()).isEqualTo("2");
        Tally bobs = Tally.open(port, bob.sidCookie());
        assertThat(bobs.add()).isEqualTo("1");
        adaFirst.close();
        bobs.close();

        Tally adaAgain = Tally.open(port, ada.sidCookie());
        assertThat(adaAgain.add()).isEqualTo("3");
        adaAgain.close();
    }

    /**
     * Sends a WebSocket upgrade request over a plain socket and reads the answer's head: the JDK's
     * and Tomcat's WebSocket clients do not show the 101 answer's headers.
     *
     * @return the status line and headers of the answer
     */
    private String handshake(String path, String sidCookie) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n" + (sidCookie == null ? "" : "Cookie: sid=" + sidCookie + "\r\n")
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.write(b);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** A client of {@code /tally} with a browser's cookie: each {@link #add()} answers the new count. */
    private static final class Tally extends TextWebSocketHandler {

        private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        private WebSocketSession session;

        static Tally open(int port, String sidCookie) throws Exception {
            Tally tally = new Tally();
            WebSocketHttpHeaders headers = new WebSocketHttpHeaders();
            headers.add("Cookie", "sid=" + sidCookie);
            tally.session = new StandardWebSocketClient().execute(tally, headers,
                    URI.create("ws://localhost:" + port + "/tally")).get(10, TimeUnit.SECONDS);
            return tally;
        }

        @Override
        protected void handleTextMessage(WebSocketSession session, TextMessage message) {
            answers.add(message.getPayload());
        }

        String add() throws Exception {
            session.sendMessage(new TextMessage("add"));
            String answer = answers.poll(10, TimeUnit.SECONDS);
            assertThat(answer).as("an answer from /tally").isNotNull();
            return answer;
        }

        void close() throws IOException {
            session.close();
        }
    }
}

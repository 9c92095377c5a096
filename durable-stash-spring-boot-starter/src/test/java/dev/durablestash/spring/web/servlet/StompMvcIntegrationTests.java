package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Type;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.converter.StringMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.client.WebSocketClient;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

import dev.durablestash.spring.web.servlet.websocket.EndedStompSessions;
import dev.durablestash.spring.web.servlet.websocket.WebSocketTestApplication;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * STOMP over WebSocket next to views, with a real STOMP client: message handlers on a controller
 * without {@code @Stashed} fields work, the views of the page keep each browser's state in its HTTP
 * requests, and a message handler can keep state of the browser session through the engine with the
 * sid a handshake interceptor kept. (A view controller that handles messages is refused at startup:
 * {@link StompViewControllerStartupTests}.)
 */
@SpringBootTest(classes = WebSocketTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties =
        "durable-stash.storage.type=memory")
class StompMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.web.socket");

    @Autowired
    EndedStompSessions endedSessions;

    @LocalServerPort
    int port;

    @Test
    void messageHandlersOfAControllerWithoutStashedFieldsWorkNextToTheViewsOfThePage() throws Exception {
        Browser ada = new Browser(port);
        Browser bob = new Browser(port);
        assertThat(ada.get("/counter").body()).isEqualTo("1");
        assertThat(bob.get("/counter").body()).isEqualTo("1");

        Connection connection = connect(ada.sidCookie());
        try {
            BlockingQueue<String> replies = new LinkedBlockingQueue<>();
            connection.stomp().subscribe("/topic/echo", new StompFrameHandler() {
                @Override
                public Type getPayloadType(StompHeaders headers) {
                    return String.class;
                }

                @Override
                public void handleFrame(StompHeaders headers, Object payload) {
                    replies.add((String) payload);
                }
            });
            connection.stomp().send("/app/echo", "hello");
            assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        } finally {
            connection.close();
        }

        assertThat(ada.get("/counter").body()).isEqualTo("2");
        assertThat(bob.get("/counter").body()).isEqualTo("2");
    }

    @Test
    void aMessageHandlerKeepsStateOfTheBrowserSessionThroughTheSidTheHandshakeKept() throws Exception {
        Browser ada = new Browser(port);
        Browser bob = new Browser(port);
        ada.get("/counter");
        bob.get("/counter");

        Connection adas = connect(ada.sidCookie());
        assertThat(subscribeForOneReply(adas, "/app/tally")).isEqualTo("1");
        assertThat(subscribeForOneReply(adas, "/app/tally")).isEqualTo("2");
        Connection bobs = connect(bob.sidCookie());
        assertThat(subscribeForOneReply(bobs, "/app/tally")).isEqualTo("1");
        adas.close();
        bobs.close();

        Connection adaAgain = connect(ada.sidCookie());
        assertThat(subscribeForOneReply(adaAgain, "/app/tally")).isEqualTo("3");
        adaAgain.close();
    }

    /**
     * @return the reply a {@code @SubscribeMapping} method sends to the new subscription (which stays
     *     until the session ends: an UNSUBSCRIBE would be a frame nothing answers before the close)
     */
    private static String subscribeForOneReply(Connection connection, String destination) throws InterruptedException {
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        connection.stomp().subscribe(destination, new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return String.class;
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                replies.add((String) payload);
            }
        });
        return replies.poll(10, TimeUnit.SECONDS);
    }

    /**
     * Connects to {@code /stomp} as a browser would: with the page's cookie on the upgrade request.
     * The test ends it with {@link Connection#close()}: STOMP's own {@code disconnect()} sends a
     * DISCONNECT frame and closes the WebSocket at once, which Spring's server may find closed before
     * it reads the frame (it then logs an ERROR: no decoder for the session).
     */
    private Connection connect(String sidCookie) throws Exception {
        AtomicReference<WebSocketSession> socket = new AtomicReference<>();
        StandardWebSocketClient webSocketClient = new StandardWebSocketClient();
        WebSocketClient keepingTheSocket = new WebSocketClient() {
            @Override
            public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, String uriTemplate,
                    Object... uriVariables) {
                throw new UnsupportedOperationException("the STOMP client connects by URI");
            }

            @Override
            public CompletableFuture<WebSocketSession> execute(WebSocketHandler handler, WebSocketHttpHeaders headers,
                    URI uri) {
                return webSocketClient.execute(handler, headers, uri).thenApply(session -> {
                    socket.set(session);
                    return session;
                });
            }
        };
        WebSocketStompClient client = new WebSocketStompClient(keepingTheSocket);
        client.setMessageConverter(new StringMessageConverter());
        WebSocketHttpHeaders headers = new WebSocketHttpHeaders();
        headers.add("Cookie", "sid=" + sidCookie);
        StompSession stomp = client.connectAsync(URI.create("ws://localhost:" + port + "/stomp"), headers,
                new StompHeaders(), new StompSessionHandlerAdapter() { }).get(10, TimeUnit.SECONDS);
        return new Connection(stomp, socket.get(), endedSessions);
    }

    /**
     * A STOMP session and the WebSocket under it. {@link #close()} closes the WebSocket, as a closing
     * tab does, once every frame the test sent has been answered, and waits until the server has
     * ended the session: what the server logs while it does falls inside the test.
     */
    private record Connection(StompSession stomp, WebSocketSession socket, EndedStompSessions endedSessions) {

        void close() throws Exception {
            int endedBefore = endedSessions.count();
            socket.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (endedSessions.count() == endedBefore) {
                assertThat(System.nanoTime()).as("the server ends the STOMP session").isLessThan(deadline);
                Thread.sleep(5);
            }
        }
    }
}

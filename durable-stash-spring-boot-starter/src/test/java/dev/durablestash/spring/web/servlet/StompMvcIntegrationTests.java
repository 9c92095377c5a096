package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Type;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.messaging.converter.StringMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

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
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    @Test
    void messageHandlersOfAControllerWithoutStashedFieldsWorkNextToTheViewsOfThePage() throws Exception {
        Browser ada = new Browser(port);
        Browser bob = new Browser(port);
        assertThat(ada.get("/counter").body()).isEqualTo("1");
        assertThat(bob.get("/counter").body()).isEqualTo("1");

        StompSession session = connect(ada.sidCookie());
        try {
            BlockingQueue<String> replies = new LinkedBlockingQueue<>();
            session.subscribe("/topic/echo", new StompFrameHandler() {
                @Override
                public Type getPayloadType(StompHeaders headers) {
                    return String.class;
                }

                @Override
                public void handleFrame(StompHeaders headers, Object payload) {
                    replies.add((String) payload);
                }
            });
            session.send("/app/echo", "hello");
            assertThat(replies.poll(10, TimeUnit.SECONDS)).isEqualTo("echo:hello");
        } finally {
            session.disconnect();
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

        StompSession adas = connect(ada.sidCookie());
        assertThat(subscribeForOneReply(adas, "/app/tally")).isEqualTo("1");
        assertThat(subscribeForOneReply(adas, "/app/tally")).isEqualTo("2");
        StompSession bobs = connect(bob.sidCookie());
        assertThat(subscribeForOneReply(bobs, "/app/tally")).isEqualTo("1");
        adas.disconnect();
        bobs.disconnect();

        StompSession adaAgain = connect(ada.sidCookie());
        assertThat(subscribeForOneReply(adaAgain, "/app/tally")).isEqualTo("3");
        adaAgain.disconnect();
    }

    /** @return the reply a {@code @SubscribeMapping} method sends to the new subscription */
    private static String subscribeForOneReply(StompSession session, String destination) throws InterruptedException {
        BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        StompSession.Subscription subscription = session.subscribe(destination, new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return String.class;
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                replies.add((String) payload);
            }
        });
        String reply = replies.poll(10, TimeUnit.SECONDS);
        subscription.unsubscribe();
        return reply;
    }

    /** Connects to {@code /stomp} as a browser would: with the page's cookie on the upgrade request. */
    private StompSession connect(String sidCookie) throws Exception {
        WebSocketStompClient client = new WebSocketStompClient(new StandardWebSocketClient());
        client.setMessageConverter(new StringMessageConverter());
        WebSocketHttpHeaders headers = new WebSocketHttpHeaders();
        headers.add("Cookie", "sid=" + sidCookie);
        return client.connectAsync(URI.create("ws://localhost:" + port + "/stomp"), headers, new StompHeaders(),
                new StompSessionHandlerAdapter() { }).get(10, TimeUnit.SECONDS);
    }
}

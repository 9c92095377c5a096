package dev.durablestash.spring.web.servlet;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.Cookie;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.servlet.testapp.Gate;
import dev.durablestash.spring.web.servlet.testapp.MvcTestApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Stashed} fields without {@code @StashedView}, on a controller and on a handler-argument
 * class: each browser sees only its own state, on a running server and through MockMvc.
 */
@SpringBootTest(classes = MvcTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory" })
class StashedAloneMvcIntegrationTests {

    @LocalServerPort
    int port;

    @Autowired
    WebApplicationContext context;

    @Autowired
    SidFilter sidFilter;

    @Autowired
    StashAdapter adapter;

    @Autowired
    StashedViews views;

    private MockMvc mvc;

    @BeforeEach
    void setUp() {
        mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(sidFilter).build();
    }

    @AfterEach
    void tearDown() {
        Gate.open();
    }

    @Test
    void aControllerWithOnlyStashedFieldsIsAViewNamedAfterItsClassWithVsn1() {
        ViewDefinition definition = views.definitionOf(controllerClass());
        assertThat(definition.name()).isEqualTo("BareController");
        assertThat(definition.vsn()).isEqualTo(1);
        assertThat(definition.keys()).containsOnlyKeys("count", "name");
    }

    @Test
    void twoBrowsersOnARunningServerEachSeeOnlyTheirOwnStateOfAControllerWithOnlyStashedFields() {
        Browser alice = new Browser(port);
        Browser bob = new Browser(port);

        HttpResponse<String> first = alice.post("/bare/increment", "");
        assertThat(Browser.sidSetCookie(first)).as("a stashed view was mounted: the sid cookie is issued").isNotNull();
        alice.post("/bare/increment", "");
        alice.post("/bare/name", "name=alice");

        assertThat(bob.get("/bare").body()).isEqualTo("count=0;name=null");
        bob.post("/bare/name", "name=bob");

        assertThat(alice.get("/bare").body()).isEqualTo("count=2;name=alice");
        assertThat(bob.get("/bare").body()).isEqualTo("count=0;name=bob");
        assertThat(alice.get("/bare/status").body()).isEqualTo("BareController:RECOVERED");
        assertThat(new Browser(port).get("/bare/status").body()).isEqualTo("BareController:NOT_FOUND");

        Recovery stored = storedBareController(alice.sidCookie());
        assertThat(stored.status()).isEqualTo(RecoveryStatus.RECOVERED);
        assertThat(stored.values()).containsEntry("count", 2).containsEntry("name", "alice");
    }

    @Test
    void concurrentRequestsOfTwoBrowsersNeverShareTheFieldsOfAControllerWithOnlyStashedFields() throws Exception {
        Browser alice = new Browser(port);
        Browser bob = new Browser(port);
        Gate.arm();
        CompletableFuture<HttpResponse<String>> paused = alice.postAsync("/bare/gated-name", "name=alice");
        Gate.awaitEntered(); // alice's request has set its field and waits
        assertThat(bob.post("/bare/name", "name=bob").body()).isEqualTo("count=0;name=bob");
        Gate.open();
        assertThat(paused.get(30, TimeUnit.SECONDS).body()).isEqualTo("count=0;name=alice");
        assertThat(alice.get("/bare").body()).isEqualTo("count=0;name=alice");
        assertThat(bob.get("/bare").body()).isEqualTo("count=0;name=bob");
    }

    @Test
    void twoCookieJarsInMockMvcEachSeeOnlyTheirOwnStateOfAControllerWithOnlyStashedFields() throws Exception {
        CookieJar alice = new CookieJar();
        CookieJar bob = new CookieJar();

        alice.send(MockMvcRequestBuilders.post("/bare/increment"));
        assertThat(alice.sid).as("a stashed view was mounted: the sid cookie is issued").isNotNull();
        alice.send(MockMvcRequestBuilders.post("/bare/name").param("name", "alice"));

        assertThat(bob.send(MockMvcRequestBuilders.get("/bare")).getContentAsString()).isEqualTo("count=0;name=null");
        bob.send(MockMvcRequestBuilders.post("/bare/increment"));
        bob.send(MockMvcRequestBuilders.post("/bare/increment"));

        assertThat(alice.send(MockMvcRequestBuilders.get("/bare")).getContentAsString())
                .isEqualTo("count=1;name=alice");
        assertThat(bob.send(MockMvcRequestBuilders.get("/bare")).getContentAsString()).isEqualTo("count=2;name=null");
        assertThat(alice.sid).isNotEqualTo(bob.sid);
    }

    @Test
    void aHandlerArgumentClassWithOnlyStashedFieldsKeepsEachBrowsersOwnState() throws Exception {
        Browser alice = new Browser(port);
        Browser bob = new Browser(port);
        assertThat(alice.get("/basket").body()).isEqualTo("[];Basket:NOT_FOUND");
        alice.post("/basket/add", "item=apple");
        assertThat(alice.post("/basket/add", "item=pear").body()).isEqualTo("[apple, pear]");
        assertThat(bob.post("/basket/add", "item=plum").body()).isEqualTo("[plum]");
        assertThat(alice.get("/basket").body()).isEqualTo("[apple, pear];Basket:RECOVERED");
        assertThat(bob.get("/basket").body()).isEqualTo("[plum];Basket:RECOVERED");

        CookieJar carol = new CookieJar();
        CookieJar dave = new CookieJar();
        carol.send(MockMvcRequestBuilders.post("/basket/add").param("item", "fig"));
        assertThat(dave.send(MockMvcRequestBuilders.get("/basket")).getContentAsString())
                .isEqualTo("[];Basket:NOT_FOUND");
        assertThat(carol.send(MockMvcRequestBuilders.get("/basket")).getContentAsString())
                .isEqualTo("[fig];Basket:RECOVERED");
    }

    /** @param cookie the sid cookie's value: the sid, a dot and its tag */
    private Recovery storedBareController(@Nullable String cookie) {
        assertThat(cookie).isNotNull();
        String sid = cookie.substring(0, cookie.indexOf('.'));
        ViewDefinition definition = views.definitionOf(controllerClass());
        return adapter.recover(sid, definition, MountKind.REJOIN).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS)
                .join();
    }

    private Class<?> controllerClass() {
        Class<?> type = context.getType("bareController");
        assertThat(type).isNotNull();
        return type;
    }

    /** One browser's cookie jar for MockMvc: keeps the sid cookie the responses set. */
    private final class CookieJar {

        @Nullable Cookie sid;

        MockHttpServletResponse send(MockHttpServletRequestBuilder request) throws Exception {
            if (sid != null) {
                request.cookie(sid);
            }
            MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
            assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(200);
            Cookie issued = response.getCookie("sid");
            if (issued != null) {
                sid = issued;
            }
            return response;
        }
    }
}

package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.SidBrowser;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The less-travelled dispatch paths of Spring MVC on Tomcat: a handler that throws while Boot's error
 * page renders, an exception handler that forwards, a {@code ResponseStatusException} of a view
 * controller, a view bound on the error page alone, an {@code @InitBinder} method invoked several
 * times in one request, forms without a length (chunked, HTTP/2), a redirect right after a change,
 * and CORS preflights and HEAD requests, which must not write.
 */
@SpringBootTest(classes = DispatchPathsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory", "durable-stash.operation-timeout=2s", "server.http2.enabled=true" })
class DispatchPathsMvcTests {

    private static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    InMemoryStorageBackend storage;
    SidBrowser browser;

    @BeforeEach
    void open() {
        storage = (InMemoryStorageBackend) backend;
        storage.clearFaults();
        DispatchPathsApplication.SEEN.clear();
        browser = new SidBrowser(port, HttpClient.Version.HTTP_1_1);
    }

    @AfterEach
    void clearFaults() {
        storage.clearFaults();
    }

    @Test
    void aHandlerThatThrowsStashesNothingAndHoldsNoTurnWhileTheErrorPageRendersTheViewAsStored() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
        DispatchPathsApplication.SEEN.clear();

        logs.expect(Level.ERROR, "threw exception [Request processing failed: java.lang.IllegalStateException: boom]");
        HttpResponse<String> boom = browser.post("/notes/boom", "", "Accept", "text/html");
        assertThat(boom.statusCode()).isEqualTo(500);

        long started = System.nanoTime();
        HttpResponse<String> next = browser.post("/notes", "text=b");
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(next.statusCode()).as("the next request of the session").isEqualTo(200);
        assertThat(took).as("the next request did not wait for a turn").isLessThan(Duration.ofSeconds(1));
        assertThat(browser.get("/notes", REJOIN).body()).startsWith("[a, b]");

        List<String> seen = DispatchPathsApplication.SEEN.subList(0, 2);
        assertThat(seen.get(0)).startsWith("advice REQUEST ");
        assertThat(seen.get(1)).as("the error page's advice sees the view as stored: the failed handler's change "
                + "was put back when it threw").startsWith("advice ERROR ").endsWith(" [a] RECOVERED");
    }

    /**
     * The failed handler's change ("bad") is made on the request's instance of the view, which the
     * handler the exception handler forwards to finds bound and stashes with its own: stored as
     * {@code [a, bad]}. (An error page that forwards is not affected: the request is then an error
     * dispatch throughout, and nothing stashes.)
     */
    @Test
    void anExceptionHandlerThatForwardsDoesNotStashTheFailedHandlersChanges() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);

        HttpResponse<String> bad = browser.post("/notes/bad", "");
        assertThat(bad.statusCode()).isEqualTo(200);
        assertThat(bad.body()).as("the handler the forward reaches sees the view as stored").isEqualTo("fallback [a]");

        assertThat(browser.get("/notes", REJOIN).body())
                .as("docs/spring.md: a handler that throws stashes nothing, also when an @ExceptionHandler answers")
                .startsWith("[a] ");
    }

    /** The same with a view controller: the forward reaches a handler of the same request-scoped instance. */
    @Test
    void anExceptionHandlerThatForwardsWithinAViewControllerDoesNotStashTheFailedHandlersChanges() {
        assertThat(browser.post("/counter", "").body()).isEqualTo("1");

        HttpResponse<String> bad = browser.post("/counter/bad", "");
        assertThat(bad.statusCode()).isEqualTo(200);
        assertThat(bad.body()).as("the handler the forward reaches sees the view as stored").isEqualTo("fallback 1");
        assertThat(browser.get("/counter", REJOIN).body()).isEqualTo("1");
    }

    /** The same before anything was stored: the failed change is not shown either. */
    @Test
    void anExceptionHandlerThatForwardsWithinAViewControllerShowsItsDefaultsWhenNothingWasStored() {
        HttpResponse<String> bad = browser.post("/counter/bad", "");
        assertThat(bad.statusCode()).isEqualTo(200);
        assertThat(bad.body()).as("the handler the forward reaches sees the view's defaults").isEqualTo("fallback 0");
        assertThat(browser.get("/counter", REJOIN).body()).isEqualTo("0");
    }

    @Test
    void anErrorPageThatForwardsToAHandlerDoesNotStashTheFailedHandlersChanges() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);

        logs.expect(Level.ERROR, "threw exception [Request processing failed: java.lang.UnsupportedOperationException");
        HttpResponse<String> unsupported = browser.post("/notes/unsupported", "");
        assertThat(unsupported.statusCode()).as(unsupported.body()).isEqualTo(500);
        assertThat(unsupported.body()).startsWith("fallback ");

        assertThat(browser.get("/notes", REJOIN).body())
                .as("docs/spring.md: a handler that throws stashes nothing, nor does an error page")
                .startsWith("[a] ");
    }

    @Test
    void aViewControllerThatThrowsAResponseStatusExceptionStashesNothingAndHandsItsTurnOn() {
        assertThat(browser.post("/counter", "").body()).isEqualTo("1");
        assertThat(browser.post("/counter/conflict", "", "Accept", "text/html").statusCode()).isEqualTo(409);
        long started = System.nanoTime();
        assertThat(browser.post("/counter", "").body()).isEqualTo("2");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(browser.get("/counter").body()).isEqualTo("2");
    }

    @Test
    void aViewBoundOnTheErrorPageAloneIsRecoveredWithoutATurnAndWritesNothing() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
        DispatchPathsApplication.SEEN.clear();
        long puts = storage.count(Operation.PUT);

        assertThat(browser.get("/nowhere", "Accept", "text/html").statusCode()).isEqualTo(404);

        assertThat(storage.count(Operation.PUT)).as("nothing written").isEqualTo(puts);
        assertThat(DispatchPathsApplication.SEEN).singleElement().asString().startsWith("advice ERROR ")
                .contains("[a] ");
    }

    @Test
    void anInitBinderMethodInvokedSeveralTimesInOneRequestSharesOneInstanceAndAllItsChangesAreStashed() {
        HttpResponse<String> bound = browser.post("/binder", "a=1&b=2&text=hi");
        assertThat(bound.statusCode()).isEqualTo(200);

        List<String> binderCalls = DispatchPathsApplication.SEEN.stream().filter(s -> s.startsWith("binder ")).toList();
        assertThat(binderCalls).as("a, b, the form's bind, the model's preparation").hasSizeGreaterThanOrEqualTo(4);
        String instance = binderCalls.get(0).split(" ")[2];
        assertThat(binderCalls).allSatisfy(call -> assertThat(call.split(" ")[2]).isEqualTo(instance));
        assertThat(bound.body()).isEqualTo("a+b=3 text=hi calls=" + binderCalls.size());
        assertThat(browser.get("/notes", REJOIN).body())
                .as("every call's change stashed, also those of the model's preparation after the handler")
                .contains("binderCalls=" + binderCalls.size());
    }

    @Test
    void aChunkedFormIsReadWithItsMountKindAndStashed() {
        formWithoutLength(browser);
    }

    @Test
    void aFormWithoutALengthOverHttp2IsReadWithItsMountKindAndStashed() {
        SidBrowser h2 = new SidBrowser(port, HttpClient.Version.HTTP_2);
        HttpResponse<String> upgraded = h2.get("/notes");
        assertThat(upgraded.statusCode()).isEqualTo(200);
        HttpResponse<String> second = h2.get("/notes", REJOIN);
        assertThat(second.version()).as("the connection was upgraded to h2c").isEqualTo(HttpClient.Version.HTTP_2);
        formWithoutLength(h2);
    }

    private void formWithoutLength(SidBrowser client) {
        assertThat(client.post("/notes/draft", "text=d", REJOIN).statusCode()).isEqualTo(200);

        HttpResponse<String> posted = client.postWithoutLength("/notes", "_mounts=1&text=c");

        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        assertThat(client.get("/notes", REJOIN).body()).as("the note stashed, the draft kept (a rejoin)")
                .isEqualTo("[c] binderCalls=0 draft=d");
    }

    @Test
    void theRedirectedGetSeesTheChangeAlsoWithSlowStorage() {
        storage.setLatency(Operation.PUT, Duration.ofMillis(300));
        storage.setLatency(Operation.GET, Duration.ofMillis(100));
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> redirect = browser.post("/notes/redirect", "text=r" + i);
            assertThat(redirect.statusCode()).isEqualTo(302);
            String location = redirect.headers().firstValue("Location").orElseThrow();
            assertThat(browser.get(location.replaceFirst("^https?://[^/]+", ""), REJOIN).body()).contains("r" + i);
        }
    }

    @Test
    void aCorsPreflightIssuesNoCookieAndTouchesNoStorage() {
        long gets = storage.count(Operation.GET);
        long puts = storage.count(Operation.PUT);

        HttpResponse<String> preflight = browser.options("/notes/cors", "Origin", "http://other.example",
                "Access-Control-Request-Method", "POST");

        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://other.example");
        assertThat(preflight.headers().allValues("Set-Cookie")).as("no cookie").isEmpty();
        assertThat(storage.count(Operation.GET)).isEqualTo(gets);
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);

        assertThat(browser.post("/notes/cors", "text=x", "Origin", "http://other.example").statusCode()).isEqualTo(200);
        long putsAfter = storage.count(Operation.PUT);
        long getsAfter = storage.count(Operation.GET);
        assertThat(browser.options("/notes/cors", "Origin", "http://other.example",
                "Access-Control-Request-Method", "POST").headers().allValues("Set-Cookie")).isEmpty();
        assertThat(storage.count(Operation.GET)).isEqualTo(getsAfter);
        assertThat(storage.count(Operation.PUT)).isEqualTo(putsAfter);
    }

    @Test
    void aHeadRequestRecoversAndWritesNothing() {
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
        long puts = storage.count(Operation.PUT);
        HttpResponse<String> head = browser.head("/notes", REJOIN);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(storage.count(Operation.PUT)).isEqualTo(puts);
    }
}

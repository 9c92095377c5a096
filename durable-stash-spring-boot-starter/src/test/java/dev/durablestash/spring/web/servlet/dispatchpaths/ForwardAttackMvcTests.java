package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.durablestash.spring.testsupport.SidBrowser;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Forwards that follow a failed handler on Spring MVC ({@link ForwardAttackController},
 * {@link ForwardAfterFailureController}): the failed handler's changes are never stashed nor shown, the
 * changes of the handlers before it, and of a handler that forwards by itself, are kept, and the session's
 * next request does not wait for a turn.
 */
@SpringBootTest(classes = DispatchPathsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory", "durable-stash.operation-timeout=2s" })
@Import(ForwardAttackMvcTests.ErrorAttributeFilter.class)
class ForwardAttackMvcTests {

    private static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    SidBrowser browser;

    @BeforeEach
    void open() {
        ((InMemoryStorageBackend) backend).clearFaults();
        browser = new SidBrowser(port, HttpClient.Version.HTTP_1_1);
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
    }

    @AfterEach
    void clearFaults() {
        ((InMemoryStorageBackend) backend).clearFaults();
    }

    private String stored() {
        return browser.get("/fa/show", REJOIN).body();
    }

    private void nextRequestDoesNotWait() {
        long started = System.nanoTime();
        HttpResponse<String> next = browser.post("/notes", "text=z");
        assertThat(next.statusCode()).as("the next request of the session").isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait for a turn")
                .isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void aChainOfForwardsStashesEveryHandlersChanges() {
        HttpResponse<String> chain = browser.post("/fa/chain/a", "");
        assertThat(chain.body()).isEqualTo("chain [a, A, B, C]");
        assertThat(stored()).isEqualTo("show [a, A, B, C]");
        nextRequestDoesNotWait();
    }

    @Test
    void aFailedHandlerAfterASuccessfulForwardKeepsTheFirstHandlersChangesOnly() {
        HttpResponse<String> response = browser.post("/fa/okthenbad", "");
        assertThat(response.body()).isEqualTo("show [a, ok]");
        assertThat(stored()).isEqualTo("show [a, ok]");
        nextRequestDoesNotWait();
    }

    @Test
    void aStashNowBeforeTheThrowKeepsWhatItStored() {
        HttpResponse<String> response = browser.post("/fa/stashnowbad", "");
        assertThat(response.body()).isEqualTo("show [a, kept]");
        assertThat(stored()).isEqualTo("show [a, kept]");
        nextRequestDoesNotWait();
    }

    @Test
    void aResetBeforeTheThrowKeepsTheDefaults() {
        HttpResponse<String> response = browser.post("/fa/resetbad", "");
        assertThat(response.body()).isEqualTo("show []");
        assertThat(stored()).isEqualTo("show []");
        nextRequestDoesNotWait();
    }

    @Test
    void anAsynchronousHandlerWhoseResultIsAnExceptionAnsweredByAForwardStashesNothing() {
        HttpResponse<String> response = browser.post("/fa/asyncbad", "");
        assertThat(response.body()).isEqualTo("show [a]");
        assertThat(stored()).isEqualTo("show [a]");
        nextRequestDoesNotWait();
    }

    @Test
    void anAdvicesExceptionHandlerThatForwardsStashesNothing() {
        HttpResponse<String> response = browser.post("/fa/advicebad", "");
        assertThat(response.body()).isEqualTo("show [a]");
        assertThat(stored()).isEqualTo("show [a]");
        nextRequestDoesNotWait();
    }

    @Test
    void aViewControllerChangedInPlaceByAFailedHandlerAfterAForwardIsPutBackInPlace() {
        assertThat(browser.post("/lv/add", "text=x").body()).isEqualTo("[x] {x=1}");
        HttpResponse<String> response = browser.post("/lv/okthenbad", "");
        assertThat(response.body()).isEqualTo("[x, ok] {x=1, ok=1}");
        assertThat(browser.get("/lv/show", REJOIN).body()).isEqualTo("[x, ok] {x=1, ok=1}");
        nextRequestDoesNotWait();
    }

    @Test
    void racingFailedAndSucceedingRequestsOfOneSessionLoseNoUpdateAndNeverWaitOut() throws Exception {
        assertThat(browser.get("/fa/tally").body()).isEqualTo("0");
        int requests = 100;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> sent = new ArrayList<>();
        try {
            for (int i = 0; i < requests; i++) {
                String path = i % 2 == 0 ? "/fa/tally/inc" : "/fa/tally/bad";
                sent.add(pool.submit(() -> {
                    start.await();
                    return browser.post(path, "");
                }));
            }
            start.countDown();
            for (Future<HttpResponse<String>> response : sent) {
                assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(browser.get("/fa/tally", REJOIN).body()).isEqualTo(String.valueOf(requests / 2));
    }

    /**
     * A handler that forwards by itself (RequestDispatcher.forward) has not failed: the handler the
     * forward reaches sees its change and stashes it, as before the roll-back of failed handlers.
     */
    @Test
    void aHandlerThatForwardsByItselfKeepsItsChanges() {
        HttpResponse<String> response = browser.post("/fa/selfforward", "");
        assertThat(response.body()).isEqualTo("show [a, forwarded]");
        assertThat(stored()).isEqualTo("show [a, forwarded]");
        nextRequestDoesNotWait();
    }

    /**
     * A handler fails, its exception handler forwards to a handler that changes the view and fails in
     * turn, whose exception handler forwards to /fa/show: both failed handlers' changes are dropped
     * (DispatcherServlet exposes the error attributes of the first failure only, which is why the
     * request's error attribute cannot tell the second).
     */
    @Test
    void aSecondFailureInTheHandlerAnExceptionHandlerForwardedToStashesNothing() {
        HttpResponse<String> response = browser.post("/fa2/bad", "");
        assertThat(response.body()).isEqualTo("show [a]");
        assertThat(stored()).isEqualTo("show [a]");
        nextRequestDoesNotWait();
    }

    /**
     * An exception handler that forwards with the Servlet API (RequestDispatcher.forward) and returns
     * nothing, before any error attribute is exposed: the failed handler's change is still put back.
     */
    @Test
    void anExceptionHandlerThatForwardsByItselfStashesNothingOfTheFailedHandler() {
        HttpResponse<String> response = browser.post("/fa2/byhand", "");
        assertThat(response.body()).isEqualTo("show [a]");
        assertThat(stored()).isEqualTo("show [a]");
        nextRequestDoesNotWait();
    }

    /**
     * A handler fails, its exception handler forwards to a handler that changes the view and then
     * forwards by itself: that handler has not failed, its change is kept.
     */
    @Test
    void aHandlerReachedByAnExceptionHandlersForwardThatForwardsByItselfKeepsItsChanges() {
        HttpResponse<String> response = browser.post("/fa2/recovered", "");
        assertThat(response.body()).isEqualTo("show [a, recovered]");
        assertThat(stored()).isEqualTo("show [a, recovered]");
        nextRequestDoesNotWait();
    }

    /**
     * An application filter sets the request's error exception attribute (of its own, say to report
     * a failure it recovered from); a handler behind it changes the view and forwards by itself: it
     * has not failed, and its change is kept.
     */
    @Test
    void aHandlerThatForwardsByItselfBehindAFilterThatSetsTheErrorAttributeKeepsItsChanges() {
        HttpResponse<String> response = browser.post("/fa2/filtered/selfforward", "");
        assertThat(response.headers().firstValue("X-Error-Attribute")).as("the filter ran").hasValue("set");
        assertThat(response.body()).isEqualTo("show [a, forwarded]");
        assertThat(stored()).isEqualTo("show [a, forwarded]");
        nextRequestDoesNotWait();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class ErrorAttributeFilter {

        @Bean
        FilterRegistrationBean<OncePerRequestFilter> errorAttributeFilter() {
            FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                    new OncePerRequestFilter() {
                        @Override
                        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                                FilterChain chain) throws ServletException, IOException {
                            request.setAttribute(RequestDispatcher.ERROR_EXCEPTION,
                                    new IllegalStateException("recovered from by the filter"));
                            response.setHeader("X-Error-Attribute", "set");
                            chain.doFilter(request, response);
                        }
                    });
            registration.addUrlPatterns("/fa2/filtered/*");
            return registration;
        }
    }
}

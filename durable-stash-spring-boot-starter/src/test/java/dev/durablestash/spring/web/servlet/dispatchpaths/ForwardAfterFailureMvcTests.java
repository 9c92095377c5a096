package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;

import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.durablestash.spring.testsupport.SidBrowser;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The roll-back of a failed handler's views before a forward ({@link ForwardAfterFailureController}): a
 * second failure in the handler an exception handler forwarded to, an exception handler that forwards by
 * itself, and a handler that forwards by itself behind a filter that sets the request's error exception
 * attribute (which a first version of the roll-back read to tell a failed handler).
 */
@SpringBootTest(classes = DispatchPathsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory", "durable-stash.operation-timeout=2s" })
@Import(ForwardAfterFailureMvcTests.ErrorAttributeFilter.class)
class ForwardAfterFailureMvcTests {

    private static final String[] REJOIN = { "X-Stash-Mounts", "1" };

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    @LocalServerPort
    int port;

    SidBrowser browser;

    @BeforeEach
    void open() {
        browser = new SidBrowser(port, HttpClient.Version.HTTP_1_1);
        assertThat(browser.post("/notes", "text=a").statusCode()).isEqualTo(200);
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

    /**
     * A handler fails, its exception handler forwards to a handler that changes the view and fails in
     * turn, whose exception handler forwards to /fa/show. Both failed handlers' changes are due to be
     * dropped. The second failure's exception is not exposed (DispatcherServlet exposes the error
     * attributes only if they are not present, and the first failure's are), so the attribute still
     * holds the exception already rolled back for, and the second handler's change is stashed.
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
     * nothing: the forward runs before any error attribute is exposed, so the failed handler's change
     * is not put back and the handler the forward reaches stashes it.
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
     * has not failed, but its change is put back as a failed handler's.
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

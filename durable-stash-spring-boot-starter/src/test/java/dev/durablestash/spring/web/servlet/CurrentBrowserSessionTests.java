package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.WebUtils;

import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.SidCookie;

/**
 * {@link BrowserSession#current()}: code without the request at hand (a listener of Spring Security's
 * login event, which its filters publish on the request's thread) finds the browser session of the
 * request the thread serves, in every dispatch the {@link SidFilter} runs for, and never a request's
 * session after its dispatch ended (threads are pooled).
 */
class CurrentBrowserSessionTests {

    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!").build();
    private final SidFilter filter = new SidFilter(new SidCookie(), () -> settings, () -> {
        throw new AssertionError("no storage operation expected");
    });
    private final List<@Nullable BrowserSession> seen = new ArrayList<>();

    @Test
    void theRequestsBrowserSessionIsCurrentWhileTheFilterChainRunsAndOnlyThen() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/login");

        filter.doFilter(request, new MockHttpServletResponse(), recordingChain());

        assertThat(seen).containsExactly(BrowserSession.find(request)).doesNotContainNull();
        assertThat(BrowserSession.current()).as("after the dispatch").isNull();
    }

    @Test
    void noBrowserSessionIsCurrentAfterAChainThatThrew() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/login");

        assertThatThrownBy(() -> filter.doFilter(request, new MockHttpServletResponse(),
                new MockFilterChain(new HttpServlet() {
                    @Override
                    protected void service(HttpServletRequest req, HttpServletResponse res) throws ServletException {
                        throw new ServletException("the handler failed");
                    }
                }))).isInstanceOf(ServletException.class);

        assertThat(BrowserSession.current()).isNull();
    }

    @Test
    void asynchronousAndErrorDispatchesMakeTheRequestsBrowserSessionCurrentToo() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/login");
        filter.doFilter(request, new MockHttpServletResponse(), recordingChain());
        BrowserSession first = BrowserSession.find(request);

        request.setDispatcherType(DispatcherType.ASYNC);
        filter.doFilter(request, new MockHttpServletResponse(), recordingChain());
        request.setDispatcherType(DispatcherType.ERROR);
        request.setAttribute(WebUtils.ERROR_REQUEST_URI_ATTRIBUTE, "/login");
        filter.doFilter(request, new MockHttpServletResponse(), recordingChain());

        assertThat(seen).hasSize(3).containsOnly(first).doesNotContainNull();
        assertThat(BrowserSession.current()).isNull();
    }

    @Test
    void aDispatchWithinAnotherRestoresTheOuterOnesBrowserSession() throws Exception {
        MockHttpServletRequest outer = new MockHttpServletRequest("GET", "/outer");
        MockHttpServletRequest inner = new MockHttpServletRequest("GET", "/inner");

        filter.doFilter(outer, new MockHttpServletResponse(), (req, res) -> {
            filter.doFilter(inner, new MockHttpServletResponse(), recordingChain());
            seen.add(BrowserSession.current());
        });

        assertThat(seen).containsExactly(BrowserSession.find(inner), BrowserSession.find(outer)).doesNotContainNull();
        assertThat(BrowserSession.current()).isNull();
    }

    private FilterChain recordingChain() {
        return (req, res) -> seen.add(BrowserSession.current());
    }
}

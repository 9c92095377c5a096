package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;

/**
 * {@link BrowserSession#end()} promises that anything asking for a {@link BrowserSession#sid()}
 * later in the request gets a new, empty session: the browser must get that session's cookie, or
 * what the request stores for it is lost (stored under a sid no browser holds).
 */
class BrowserSessionEndTests {

    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!").build();

    @Test
    void aSidIssuedAfterEndGetsItsCookie() {
        BrowserSessionSettings<PrincipalResolver> filterSettings = new BrowserSessionSettings<>(new SidCookie(),
                PrincipalResolver.USER_PRINCIPAL, () -> settings, () -> {
            throw new AssertionError("no storage operation expected: the request carries no sid");
        });
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/logout");
        MockHttpServletResponse response = new MockHttpServletResponse();
        BrowserSession session = new BrowserSession(filterSettings, SidCookieSerializer.of(filterSettings.cookie()), request,
                response);

        session.end();
        String fresh = session.sid();

        List<String> setCookies = response.getHeaders("Set-Cookie");
        assertThat(setCookies).as("Set-Cookie headers").isNotEmpty();
        String last = setCookies.get(setCookies.size() - 1);
        assertThat(last).as("the last sid cookie the browser applies")
                .startsWith("sid=" + new SessionCookieValues(settings).encode(fresh) + ";");
    }
}

package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.web.BrowserSessionSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * The browser session is bound to the principal of the request ({@link PrincipalResolver}), here the
 * container's user principal, without Spring Security: a login that no event announces still rotates
 * an anonymous sid, and a sid bound to one principal never serves another or an anonymous request.
 */
class BrowserSessionPrincipalTests {

    private static final ViewDefinition NOTES = ViewDefinition.builder("notes").key("note", String.class).build();

    private final StashSettings settings = StashSettings.builder().secret("a-secret-of-at-least-thirty-two-bytes!!").build();
    private final InMemoryStorageBackend storage = new InMemoryStorageBackend();
    private final StashAdapter adapter = new StashAdapter(storage, settings);
    private final SessionCookieValues values = new SessionCookieValues(settings);

    @AfterEach
    void close() {
        adapter.close();
    }

    @Test
    void anAnonymousSidIsRotatedWhenAnAuthenticatedRequestFirstUsesIt() {
        String anonymous = SessionIds.newSid();
        stash(anonymous, "typed before login");

        MockHttpServletResponse response = new MockHttpServletResponse();
        BrowserSession session = session(values.encode(anonymous), "ada", response);
        String sid = session.sid();

        assertThat(sid).as("the sid the authenticated request uses").isNotEqualTo(anonymous);
        assertThat(session.isNew()).isTrue();
        assertThat(note(sid)).as("the anonymous state moved along").isEqualTo("typed before login");
        assertThat(note(anonymous)).as("what the anonymous sid still gives").isNull();
        assertThat(response.getHeader("Set-Cookie")).startsWith("sid=" + values.encode(sid, "ada") + ";");
    }

    @Test
    void aSidBoundToOnePrincipalGivesAnotherANewEmptySessionAndLeavesTheStateAlone() {
        String adas = SessionIds.newSid();
        stash(adas, "ada's secret");

        MockHttpServletResponse response = new MockHttpServletResponse();
        String sid = session(values.encode(adas, "ada"), "bob", response).sid();

        assertThat(sid).isNotEqualTo(adas);
        assertThat(note(sid)).isNull();
        assertThat(note(adas)).as("ada's state, left for her").isEqualTo("ada's secret");
        assertThat(response.getHeader("Set-Cookie")).startsWith("sid=" + values.encode(sid, "bob") + ";");
    }

    @Test
    void aSidBoundToAPrincipalGivesAnAnonymousRequestANewEmptySession() {
        String adas = SessionIds.newSid();
        stash(adas, "ada's secret");

        String sid = session(values.encode(adas, "ada"), null, new MockHttpServletResponse()).sid();

        assertThat(sid).isNotEqualTo(adas);
        assertThat(note(sid)).isNull();
    }

    @Test
    void aSidBoundToThePrincipalIsAdoptedAsItIs() {
        String adas = SessionIds.newSid();
        MockHttpServletResponse response = new MockHttpServletResponse();
        BrowserSession session = session(values.encode(adas, "ada"), "ada", response);

        assertThat(session.sid()).isEqualTo(adas);
        assertThat(session.isNew()).isFalse();
        assertThat(response.getHeader("Set-Cookie")).as("no cookie written without a max-age").isNull();
    }

    @Test
    void rotateBindsTheNewSidToThePrincipalButDoesNotCarryAnotherPrincipalsState() {
        String adas = SessionIds.newSid();
        stash(adas, "ada's secret");
        MockHttpServletResponse response = new MockHttpServletResponse();
        BrowserSession session = session(values.encode(adas, "ada"), "bob", response);

        session.rotate();
        String sid = session.sid();

        assertThat(sid).isNotEqualTo(adas);
        assertThat(note(sid)).as("what bob gets at his login").isNull();
        assertThat(note(adas)).isEqualTo("ada's secret");
        assertThat(response.getHeader("Set-Cookie")).startsWith("sid=" + values.encode(sid, "bob") + ";");
    }

    private BrowserSession session(String cookie, String principal, MockHttpServletResponse response) {
        BrowserSessionSettings<PrincipalResolver> filterSettings = new BrowserSessionSettings<>(new SidCookie(),
                PrincipalResolver.USER_PRINCIPAL, () -> settings, () -> adapter);
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/notes");
        request.setCookies(new Cookie("sid", cookie));
        if (principal != null) {
            request.setUserPrincipal(() -> principal);
        }
        return new BrowserSession(filterSettings, SidCookieSerializer.of(filterSettings.cookie()), request, response);
    }

    private void stash(String sid, String note) {
        adapter.recover(sid, NOTES, MountKind.FRESH).toCompletableFuture().join();
        adapter.stash(sid, NOTES, Map.of("note", note)).toCompletableFuture().join();
    }

    private Object note(String sid) {
        return adapter.recover(sid, NOTES, MountKind.FRESH).toCompletableFuture().join().values().get("note");
    }
}

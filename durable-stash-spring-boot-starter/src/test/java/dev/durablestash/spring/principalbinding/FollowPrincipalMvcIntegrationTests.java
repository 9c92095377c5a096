package dev.durablestash.spring.principalbinding;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.core.StashWriteException;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.spring.web.servlet.BrowserSession;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * followPrincipal(): changes of the principal within a request (programmatic logins,
 * account switches, an asynchronous dispatch that sees a login made meanwhile) against a running server.
 */
@SpringBootTest(classes = { BindingTestApplication.class, FollowPrincipalMvcIntegrationTests.FollowingNotesController.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class FollowPrincipalMvcIntegrationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    static volatile CountDownLatch ASYNC_ENTERED = new CountDownLatch(1);
    static volatile CountDownLatch ASYNC_RELEASE = new CountDownLatch(1);

    @LocalServerPort
    int port;

    @Autowired
    StorageBackend backend;

    @BeforeEach
    void setUp() {
        ((InMemoryStorageBackend) backend).clear();
        ((InMemoryStorageBackend) backend).clearFaults();
        ASYNC_ENTERED = new CountDownLatch(1);
        ASYNC_RELEASE = new CountDownLatch(1);
    }

    /**
     * An anonymous visitor has a draft and an HTTP session (e.g. a CSRF token). A slow asynchronous
     * request of hers is in flight while she logs in in another tab: the login rotates her sid (the
     * draft moves to a sid bound to ada). The in-flight request's async dispatch loads ada's security
     * context from the HTTP session, so its stash calls followPrincipal(), which rotates the old,
     * already emptied anonymous sid once more and sets that new cookie: the browser loses the sid her
     * draft moved to. Before this change the late request stashed under the old sid and set no cookie.
     */
    @Test
    void anAnonymousAsyncRequestInFlightDuringALoginDoesNotCostTheUserHerState() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/review/notes/with-http-session", "note=draft").body()).isEqualTo("saved");
        assertThat(browser.cookie("JSESSIONID")).as("an HTTP session, before the request in flight").isNotNull();

        CompletableFuture<HttpResponse<String>> inFlight = browser.postAsync("/review/notes/async", "note=late");
        assertThat(ASYNC_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        String afterLogin = browser.sid();
        assertThat(browser.get("/review/tag").body()).as("right after the login").isEqualTo("tag=draft");
        ASYNC_RELEASE.countDown();
        HttpResponse<String> late = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(late.statusCode()).isEqualTo(200);
        String afterLate = browser.sid();

        assertThat(browser.get("/review/tag").body()).as("after the late response (sid %s, then %s; it set %s)",
                afterLogin, afterLate, late.headers().allValues("Set-Cookie")).isEqualTo("tag=draft");
    }

    /**
     * A programmatic login in a handler, and the implicit rotation of the anonymous state fails
     * (storage refuses writes): followPrincipal() abandons the session and detaches the views, so the
     * handler's change is dropped and the response says "saved" (200). The contract: a failed stash
     * never answers success.
     */
    @Test
    void aFailedRotationAtAProgrammaticLoginDoesNotAnswerSuccess() throws Exception {
        logs.expect(Level.WARN, "rotate of the browser session failed");
        WebBrowser browser = new WebBrowser(port);
        browser.post("/review/notes", "note=draft");
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        HttpResponse<String> response;
        storage.setFailureRate(InMemoryStorageBackend.Operation.PUT, 1.0);
        try {
            response = browser.post("/review/sign-in", "user=ada&note=ada's note");
        } finally {
            storage.clearFaults();
        }
        assertThat(response.statusCode()).as("the programmatic login's stash, which could not move the state")
                .isEqualTo(503);
        assertThat(browser.get("/review/notes").body()).as("the next request, storage back: the state moved then")
                .isEqualTo("note=draft");
    }

    /**
     * rotate()'s contract: "On failure (StashWriteException, 503) the state stays under the old sid
     * and the cookie is unchanged". Called by user code right after a programmatic login, it delegates
     * to followPrincipal(), whose failed rotation abandons the state and returns normally. The stash
     * before the response then follows the login again, also with nothing to write, and fails alike: 503.
     */
    @Test
    void rotateAfterAProgrammaticLoginThrowsWhenTheStateCannotMove() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/review/notes", "note=draft");
        String before = browser.sid();
        InMemoryStorageBackend storage = (InMemoryStorageBackend) backend;
        HttpResponse<String> response;
        storage.setFailureRate(InMemoryStorageBackend.Operation.PUT, 1.0);
        logs.expect(Level.WARN, "rotate of the browser session failed");
        try {
            response = browser.post("/review/sign-in-rotate", "user=ada");
        } finally {
            storage.clearFaults();
        }
        assertThat(FollowingNotesController.rotateOutcome).as("what rotate() did in the handler").isEqualTo("rotate failed");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(browser.sid()).as("the cookie is unchanged").isEqualTo(before);
    }

    /**
     * An account switch in a handler (ada signs in as bob) that then stores something for bob, and
     * calls Stash.stashNow() to make sure: the views were detached by followPrincipal(), stashNow()
     * returns normally, the response says "saved", and bob's note is stored nowhere.
     */
    @Test
    void stashNowAfterAnAccountSwitchDoesNotReturnNormallyWithoutStoring() throws Exception {
        WebBrowser shared = new WebBrowser(port);
        assertThat(shared.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        shared.post("/review/notes", "note=ada's secret");

        HttpResponse<String> response = shared.post("/review/sign-in-stash-now", "user=bob&note=bob's note");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(shared.get("/review/notes").body()).as("answered 200 \"%s\" after stashNow()",
                response.body()).isEqualTo("note=bob's note");
        assertThat(shared.get("/review/notes").body()).as("bob never sees ada's note").isNotEqualTo("note=ada's secret");
    }

    /** Passing check expected: rotate() called twice in one request by user code gives a new sid each time. */
    @Test
    void rotateTwiceInARequestKeepsTheState() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/review/notes", "note=kept");
        String before = browser.sid();
        assertThat(browser.post("/review/rotate-twice", "").body()).isEqualTo("rotated twice");
        assertThat(browser.sid()).isNotEqualTo(before);
        assertThat(browser.get("/review/notes").body()).isEqualTo("note=kept+");
    }

    /**
     * The account-switch variant of the test above: ada's asynchronous request is in flight while bob
     * logs in on the same browser (same HTTP session) and stores a note. The late async dispatch sees
     * bob, abandons (drops ada's change, answers 200) and sets yet another new cookie: bob loses his note.
     */
    @Test
    void aRequestInFlightDuringAnAccountSwitchDoesNotCostTheNewUserHisState() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/review/notes", "note=ada's");

        CompletableFuture<HttpResponse<String>> inFlight = browser.postAsync("/review/notes/async", "note=ada's late");
        assertThat(ASYNC_ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(browser.post("/login", "username=bob&password=bob-pw").statusCode()).isEqualTo(302);
        browser.post("/review/notes", "note=bob's");
        assertThat(browser.get("/review/notes").body()).as("bob, right after storing").isEqualTo("note=bob's");
        ASYNC_RELEASE.countDown();
        HttpResponse<String> late = inFlight.get(10, TimeUnit.SECONDS);

        assertThat(browser.get("/review/notes").body()).as("bob, after ada's late response (%s %s, it set %s)",
                late.statusCode(), late.body(), late.headers().allValues("Set-Cookie")).isEqualTo("note=bob's");
    }

    /**
     * One failed storage write (not an outage) during the implicit rotation of the first HTTP Basic
     * request: the browser gets a new, empty session, the request answers 200 with the change stored
     * there, and everything the visitor had before (the tag) is unreachable from then on. Before the
     * fallback, the request failed (503) and the next one rotated again with the state intact.
     */
    @Test
    void oneFailedWriteDuringTheImplicitRotationDoesNotLoseTheStateBehindA200() throws Exception {
        logs.expect(Level.WARN, "rotate of the browser session failed");
        WebBrowser browser = new WebBrowser(port);
        browser.post("/review/notes/with-http-session", "note=draft");
        browser.forget("JSESSIONID");
        browser.basic("ada", "ada-pw");
        ((InMemoryStorageBackend) backend).failNext(InMemoryStorageBackend.Operation.PUT, 1);

        HttpResponse<String> response = browser.post("/review/notes", "note=after login");

        assertThat(response.statusCode()).as("the first authenticated request, whose move failed").isEqualTo(503);
        assertThat(browser.get("/review/tag").body()).as("the next request: the state moved then")
                .isEqualTo("tag=draft");
    }

    /**
     * Passing check expected: a programmatic login in a handler that forwards to another handler of
     * the same view; both handlers' changes reach the sid bound to ada.
     */
    @Test
    void aProgrammaticLoginBeforeAForwardKeepsBothHandlersChanges() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        browser.post("/review/notes", "note=draft");
        String anonymous = browser.sid();
        assertThat(browser.post("/review/sign-in-forward", "user=ada&note=fwd").body()).isEqualTo("note=fwd-first-second");
        assertThat(browser.sid()).isNotEqualTo(anonymous);
        assertThat(browser.get("/review/notes").body()).isEqualTo("note=fwd-first-second");
    }

    @Controller
    @StashedView(name = "review-notes")
    static class FollowingNotesController {

        /** What rotate() did in the last /review/sign-in-rotate. */
        static volatile String rotateOutcome;

        @Stashed String note;

        /** Set with the note by /review/notes/with-http-session only. */
        @Stashed String tag;

        @GetMapping("/review/notes")
        @ResponseBody
        String show() {
            return "note=" + note;
        }

        @GetMapping("/review/tag")
        @ResponseBody
        String showTag() {
            return "tag=" + tag;
        }

        @PostMapping("/review/notes")
        @ResponseBody
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        /** Saves on another thread after a test lets it. */
        @PostMapping("/review/notes/async")
        @ResponseBody
        CompletableFuture<String> saveAsync(@RequestParam String note, HttpServletRequest request) {
            return CompletableFuture.supplyAsync(() -> {
                ASYNC_ENTERED.countDown();
                try {
                    ASYNC_RELEASE.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                this.note = note;
                return "saved";
            });
        }

        @PostMapping("/review/notes/with-http-session")
        @ResponseBody
        String saveWithHttpSession(@RequestParam String note, HttpServletRequest request) {
            request.getSession(true);
            this.note = note;
            this.tag = note;
            return "saved";
        }

        @PostMapping("/review/sign-in")
        @ResponseBody
        String signIn(@RequestParam String user, @RequestParam String note, HttpServletRequest request,
                HttpServletResponse response) {
            login(user, request, response);
            this.note = note;
            return "saved";
        }

        @PostMapping("/review/sign-in-stash-now")
        @ResponseBody
        String signInStashNow(@RequestParam String user, @RequestParam String note, Stash stash,
                HttpServletRequest request, HttpServletResponse response) {
            login(user, request, response);
            this.note = note;
            stash.stashNow();
            return "saved";
        }

        @PostMapping("/review/sign-in-rotate")
        @ResponseBody
        String signInRotate(@RequestParam String user, HttpServletRequest request, HttpServletResponse response) {
            login(user, request, response);
            try {
                BrowserSession.of(request).rotate();
                rotateOutcome = "rotated";
            } catch (StashWriteException e) {
                rotateOutcome = "rotate failed";
            }
            return rotateOutcome;
        }

        @PostMapping("/review/sign-in-forward")
        String signInForward(@RequestParam String user, @RequestParam String note, HttpServletRequest request,
                HttpServletResponse response) {
            login(user, request, response);
            this.note = note + "-first";
            return "forward:/review/forwarded";
        }

        @org.springframework.web.bind.annotation.RequestMapping("/review/forwarded")
        @ResponseBody
        String forwarded() {
            this.note = note + "-second";
            return "note=" + note;
        }

        @PostMapping("/review/rotate-twice")
        @ResponseBody
        String rotateTwice(HttpServletRequest request) {
            BrowserSession.of(request).rotate();
            this.note = note + "+";
            BrowserSession.of(request).rotate();
            return "rotated twice";
        }

        private static void login(String user, HttpServletRequest request, HttpServletResponse response) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(user, null,
                    AuthorityUtils.createAuthorityList("ROLE_USER")));
            SecurityContextHolder.setContext(context);
            new HttpSessionSecurityContextRepository().saveContext(context, request, response);
        }
    }
}

package dev.durablestash.sample.counter;

import static dev.durablestash.sample.counter.Visitor.MOUNTS_HEADER;
import static dev.durablestash.sample.counter.Visitor.draftIn;
import static dev.durablestash.sample.counter.Visitor.form;
import static dev.durablestash.sample.counter.Visitor.ok;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.durablestash.testsupport.ExpectedLogs;

/**
 * A counter sample over plain HTTP, as a browser without JavaScript (or a script sending the rejoin
 * header) sees it: the whole stack, from the sid cookie to files in the storage directory.
 * One app for the class; the restart tests restart it over the same storage directory. Each test
 * uses its own {@link Visitor}, so its own browser session. Each sample runs this suite with a
 * concrete subclass that names its application class ({@link SampleUnderTest}).
 */
abstract class CounterHttpEndToEndSuite {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash"); // none of these requests fails

    @TempDir
    static Path storage;

    static SampleApp app;

    @BeforeAll
    static void startApp(TestInfo test) {
        app = SampleApp.start(SampleApp.applicationOf(test.getTestClass().orElseThrow()), storage);
    }

    @AfterAll
    static void stopApp() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void stateIsKeptInTheStorageDirectoryTheTestGaveTheApp() throws Exception {
        Visitor visitor = new Visitor(app);
        assertThat(visitor.post("/increment", form()).statusCode()).isEqualTo(302);
        try (Stream<Path> files = Files.walk(storage)) {
            assertThat(files.filter(Files::isRegularFile).map(Path::getFileName).map(Path::toString))
                    .as("files under " + storage).anyMatch(name -> name.endsWith(".obj"));
        }
    }

    @Test
    void theHealthEndpointShowsTheStorageUp() {
        HttpResponse<String> health = new Visitor(app).get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode storage = JsonMapper.shared().readTree(health.body()).at("/components/durableStash");
        assertThat(storage.at("/status").asString()).isEqualTo("UP");
        assertThat(storage.at("/details/storage").asString()).startsWith("filesystem:");
        assertThat(health.headers().firstValue("Set-Cookie")).as("a health check gets no sid cookie").isEmpty();
    }

    @Test
    void countSurvivesNavigation() {
        Visitor visitor = new Visitor(app);
        for (int i = 0; i < 3; i++) {
            assertThat(visitor.post("/increment", form()).statusCode()).isEqualTo(302);
        }
        ok(visitor.get("/compose"));
        ok(visitor.get("/"));
        assertThat(visitor.count()).isEqualTo(3);
    }

    @Test
    void formPostsRedirectBackToTheirPage() {
        Visitor visitor = new Visitor(app);

        HttpResponse<String> increment = visitor.post("/increment", form());
        assertThat(increment.statusCode()).isEqualTo(302);
        assertThat(increment.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/"));

        HttpResponse<String> username = visitor.post("/username", form("username", "ada"));
        assertThat(username.statusCode()).isEqualTo(302);
        assertThat(username.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).endsWith("/"));

        HttpResponse<String> draft = visitor.post("/compose/draft", form("_mounts", "1", "draft", "Hi"));
        assertThat(draft.statusCode()).isEqualTo(302);
        assertThat(draft.headers().firstValue("Location"))
                .hasValueSatisfying(l -> assertThat(l).endsWith("/compose?_mounts=1"));

        assertThat(visitor.count()).isEqualTo(1);
        assertThat(visitor.username()).isEqualTo("ada");
    }

    @Test
    void scriptRequestsGetATextAnswerInsteadOfARedirect() {
        Visitor visitor = new Visitor(app);

        HttpResponse<String> increment = visitor.post("/increment", form(), "HX-Request", "true", MOUNTS_HEADER, "1");
        assertThat(ok(increment).body()).isEqualTo("1");

        HttpResponse<String> draft = visitor.post("/compose/draft", form("draft", "Grüße"),
                "HX-Request", "true", MOUNTS_HEADER, "1");
        assertThat(ok(draft).body()).isEqualTo("Draft saved (5 characters)");
        assertThat(draftIn(visitor.get("/compose", MOUNTS_HEADER, "1"))).isEqualTo("Grüße");
    }

    @Test
    void thePageSaysInWordsWhatWasRecoveredAndWhereTheStateLives() {
        Visitor visitor = new Visitor(app);
        assertThat(ok(visitor.get("/")).body()).contains("<strong>Nothing stored yet</strong>")
                .contains("<code id=\"storage-location\">" + storage.toAbsolutePath().normalize() + "</code>");
        visitor.post("/increment", form());
        assertThat(ok(visitor.get("/")).body()).contains("<strong>Recovered from storage</strong>");
    }

    @Test
    void thePageNamesItsFramework() {
        String framework = SampleApp.applicationOf(getClass()).getSimpleName().contains("WebFlux") ? "Spring WebFlux"
                : "Spring MVC";
        assertThat(ok(new Visitor(app).get("/")).body()).contains("<span>" + framework + "</span> controller");
    }

    @Test
    void theEnginePanelShowsTheSessionsLastWriteAndIsRefreshedAfterAScriptWrite() {
        Visitor visitor = new Visitor(app);
        ok(visitor.get("/")); // a browser session: the page issues the sid cookie
        assertThat(ok(visitor.get("/engine")).body()).contains("<aside id=\"engine\"")
                .contains("<dd id=\"last-write\">none since the app started</dd>");

        HttpResponse<String> increment = visitor.post("/increment", form(), "HX-Request", "true", MOUNTS_HEADER, "1");
        assertThat(ok(increment).headers().firstValue("HX-Trigger")).as("tells the page to refresh the panel")
                .hasValue("stashed");

        String panel = ok(visitor.get("/engine")).body();
        assertThat(panel).containsPattern("<dd id=\"last-write\">\\d+\\.\\d ms</dd>")
                .containsPattern("<dd id=\"engine-writes\">[1-9]\\d*</dd>");
        assertThat(ok(new Visitor(app).get("/engine")).body()).as("another browser session")
                .contains("<dd id=\"last-write\">none since the app started</dd>");
    }

    @Test
    void theSessionCookieIsHttpOnlyLaxAndOnlyIssuedByPagesWithAStashedView() {
        Visitor visitor = new Visitor(app);
        assertThat(ok(visitor.get("/sample.css")).headers().allValues("Set-Cookie")).as("static asset").isEmpty();
        assertThat(ok(visitor.get("/durable-stash.js")).headers().allValues("Set-Cookie")).as("the script").isEmpty();
        assertThat(ok(visitor.get("/webjars/htmx.org/dist/htmx.min.js")).headers().allValues("Set-Cookie")).as("htmx")
                .isEmpty();

        List<String> cookies = ok(visitor.get("/")).headers().allValues("Set-Cookie");
        assertThat(cookies).singleElement().satisfies(cookie -> {
            assertThat(cookie).matches("sid=[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22};.*"); // the sid, a dot, its tag
            assertThat(cookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
            assertThat(cookie).doesNotContainIgnoringCase("Secure;").doesNotEndWithIgnoringCase("Secure");
        });
        assertThat(ok(visitor.get("/")).headers().allValues("Set-Cookie")).as("already has one").isEmpty();
    }

    @Test
    void aGarbageCookieGetsANewEmptySessionNotAnErrorPage() {
        Visitor visitor = new Visitor(app);
        HttpResponse<String> page = visitor.get("/", "Cookie", "sid=%%%not-a-session%%%");
        assertThat(ok(page).body()).contains("<span id=\"count\">0</span>");
        assertThat(page.headers().allValues("Set-Cookie")).singleElement().asString().startsWith("sid=");
        assertThat(visitor.post("/increment", form()).statusCode()).isEqualTo(302);
        assertThat(visitor.count()).isEqualTo(1);
    }

    @Test
    void aNewCookieJarSeesDefaults() {
        Visitor first = new Visitor(app);
        first.post("/increment", form());
        first.post("/username", form("username", "ada"));
        first.post("/compose/draft", form("_mounts", "1", "draft", "secret plans"));
        assertThat(first.count()).isEqualTo(1);

        Visitor second = new Visitor(app);
        assertThat(second.count()).isZero();
        assertThat(second.username()).isEmpty();
        assertThat(draftIn(second.get("/compose?_mounts=1"))).isEmpty();
    }

    @Test
    void startingOverPutsTheViewBackToDefaults() {
        Visitor visitor = new Visitor(app);
        assertThat(recoveryShownBy(visitor.get("/"))).isEqualTo("NOT_FOUND");
        visitor.post("/increment", form());
        visitor.post("/username", form("username", "ada"));
        assertThat(recoveryShownBy(visitor.get("/"))).isEqualTo("RECOVERED");

        HttpResponse<String> reset = visitor.post("/reset", form());
        assertThat(reset.statusCode()).isEqualTo(302);

        assertThat(visitor.count()).isZero();
        assertThat(visitor.username()).isEmpty();
        visitor.post("/increment", form());
        assertThat(visitor.count()).isEqualTo(1);
    }

    @Test
    void draftIsRecoveredOnRejoinAndClearedByAFreshMount() {
        Visitor visitor = new Visitor(app);
        String text = "Dear Ada,\n<b>a & b</b> \"quoted\" — 'single'";
        assertThat(visitor.post("/compose/draft", form("_mounts", "1", "draft", text)).statusCode()).isEqualTo(302);

        assertThat(draftIn(visitor.get("/compose?_mounts=1"))).as("rejoin by parameter").isEqualTo(text);
        assertThat(draftIn(visitor.get("/compose", MOUNTS_HEADER, "1"))).as("rejoin by header").isEqualTo(text);
        assertThat(draftIn(visitor.get("/compose?_mounts=3"))).as("any positive count rejoins").isEqualTo(text);

        assertThat(draftIn(visitor.get("/compose"))).as("fresh navigation").isEmpty();
        assertThat(draftIn(visitor.get("/compose?_mounts=1"))).as("cleared in storage, not just hidden").isEmpty();

        visitor.post("/compose/draft", form("_mounts", "1", "draft", "second try"));
        assertThat(draftIn(visitor.get("/compose?_mounts=abc"))).as("malformed counts as fresh").isEmpty();
        assertThat(draftIn(visitor.get("/compose", MOUNTS_HEADER, "1"))).isEmpty();

        visitor.post("/compose/draft", form("_mounts", "1", "draft", "third try"));
        assertThat(draftIn(visitor.get("/compose?_mounts=0"))).as("zero counts as fresh").isEmpty();
    }

    @Test
    void stateSurvivesARestartOverTheSameStorageDirectory() {
        Visitor visitor = new Visitor(app);
        visitor.post("/increment", form());
        visitor.post("/increment", form());
        visitor.post("/username", form("username", "grace"));
        visitor.post("/compose/draft", form("_mounts", "1", "draft", "Typed before the restart"));

        app.restart();

        assertThat(draftIn(visitor.get("/compose", MOUNTS_HEADER, "1")))
                .as("the page rejoins after the restart").isEqualTo("Typed before the restart");
        HttpResponse<String> more = visitor.post("/compose/draft",
                form("_mounts", "1", "draft", "Typed before the restart, and after it"));
        assertThat(more.statusCode()).isEqualTo(302);
        assertThat(draftIn(visitor.get("/compose?_mounts=1"))).isEqualTo("Typed before the restart, and after it");

        assertThat(visitor.count()).isEqualTo(2);
        assertThat(visitor.username()).isEqualTo("grace");
        assertThat(draftIn(visitor.get("/compose"))).as("navigating back afresh").isEmpty();
    }

    /**
     * Several tabs of one browser session write different keys at the same time (every request
     * is a rejoin, so none clears the draft); each key is written by one tab, in order. Per-key
     * merge must keep every acknowledged write. Two sessions run side by side and must not see
     * each other's state.
     */
    @Test
    void concurrentRequestsOfOneSessionWritingDifferentKeysNeverClobberEachOther() throws Exception {
        int rounds = 25;
        List<Visitor> sessions = List.of(new Visitor(app), new Visitor(app));
        for (Visitor session : sessions) {
            ok(session.get("/")); // the sid cookie, before the tabs race
        }

        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> acknowledged = new ArrayList<>();
            for (int s = 0; s < sessions.size(); s++) {
                Visitor session = sessions.get(s);
                String prefix = "s" + s + "-";
                acknowledged.add(pool.submit(tab(go, rounds, i -> session.post("/increment", form(), MOUNTS_HEADER, "1"))));
                acknowledged.add(pool.submit(tab(go, rounds,
                        i -> session.post("/username", form("username", prefix + "user-" + i), MOUNTS_HEADER, "1"))));
                acknowledged.add(pool.submit(tab(go, rounds,
                        i -> session.post("/compose/draft", form("_mounts", "1", "draft", prefix + "draft-" + i)))));
            }
            go.countDown();
            for (Future<Integer> tab : acknowledged) {
                assertThat(tab.get(2, TimeUnit.MINUTES)).as("acknowledged writes").isEqualTo(rounds);
            }
        } finally {
            pool.shutdownNow();
        }

        for (int s = 0; s < sessions.size(); s++) {
            Visitor session = sessions.get(s);
            String prefix = "s" + s + "-";
            assertThat(draftIn(session.get("/compose", MOUNTS_HEADER, "1"))).isEqualTo(prefix + "draft-" + (rounds - 1));
            assertThat(session.count()).isEqualTo(rounds);
            assertThat(session.username()).isEqualTo(prefix + "user-" + (rounds - 1));
        }
    }

    /**
     * The figure in the README: 100 increments sent at once from one browser session (one cookie
     * jar, like 100 clicks in quick succession or in several tabs) all count. The counter view is
     * atomic, so each request recovers, increments and stashes in turn, and each answer is the
     * count that request produced: 1 to 100, each once.
     */
    @Test
    void oneHundredConcurrentIncrementsOfOneSessionKeepAllOneHundred() throws Exception {
        int requests = 100;
        Visitor visitor = new Visitor(app);
        ok(visitor.get("/")); // the sid cookie, before the requests race

        ExecutorService pool = Executors.newFixedThreadPool(requests);
        List<Integer> answers = new ArrayList<>();
        long started;
        long elapsedMillis;
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                sent.add(pool.submit(() -> {
                    go.await();
                    return visitor.post("/increment", form(), "HX-Request", "true", MOUNTS_HEADER, "1");
                }));
            }
            started = System.nanoTime();
            go.countDown();
            for (Future<HttpResponse<String>> response : sent) {
                answers.add(Integer.parseInt(ok(response.get(2, TimeUnit.MINUTES)).body()));
            }
            elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        } finally {
            pool.shutdownNow();
        }

        int kept = visitor.count();
        System.out.printf("Atomic views: %d concurrent POST /increment from one browser session kept %d of %d "
                + "(%d ms)%n", requests, kept, requests, elapsedMillis);
        assertThat(kept).isEqualTo(requests);
        assertThat(answers).as("each request saw the count it produced").containsExactlyInAnyOrderElementsOf(
                IntStream.rangeClosed(1, requests).boxed().toList());
    }

    private static String recoveryShownBy(HttpResponse<String> page) {
        Matcher matcher = Pattern.compile("<code id=\"recovery\">([A-Z_]+)</code>").matcher(ok(page).body());
        assertThat(matcher.find()).as("recovery status on the page").isTrue();
        return matcher.group(1);
    }

    /** A tab that sends {@code rounds} requests one after another; answers how many were acknowledged. */
    private static Callable<Integer> tab(CountDownLatch go, int rounds, IntFunction<HttpResponse<String>> request) {
        return () -> {
            go.await();
            int acknowledged = 0;
            for (int i = 0; i < rounds; i++) {
                HttpResponse<String> response = request.apply(i);
                if (response.statusCode() == 302) {
                    acknowledged++;
                } else {
                    throw new AssertionError("round " + i + ": " + response.statusCode() + " " + response.body());
                }
            }
            return acknowledged;
        };
    }
}

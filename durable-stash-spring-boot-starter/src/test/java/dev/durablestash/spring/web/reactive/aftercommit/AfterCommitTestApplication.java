package dev.durablestash.spring.web.reactive.aftercommit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.context.WebSessionServerSecurityContextRepository;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.reactive.ReactiveStash;
import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import dev.durablestash.testing.InMemoryStorageBackend;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebFlux app for what happens after the commit: streaming bodies that change or bind views after the commit,
 * fire-and-forget resets, a programmatic login, and a storage backend whose next PUT a test can hold
 * and then let through or fail.
 */
@SpringBootApplication
public class AfterCommitTestApplication {

    /** The last exchange of each handler, by a name, for the tests to look at. */
    public static final Map<String, ServerWebExchange> EXCHANGES = new ConcurrentHashMap<>();
    /** Completed (by request path) once the exchange ended, after the starter's own end of it. */
    /** Completed by a test to let a streaming handler go on to its next element. */
    public static volatile CompletableFuture<Void> proceed = new CompletableFuture<>();
    /** Whether the response was committed when a streaming handler made its late change. */
    public static volatile @Nullable Boolean committedAtLateChange;
    /** The outcome of a stash a handler subscribed to on its own once a test let it {@link #proceed}. */
    public static volatile CompletableFuture<Void> laterStash = new CompletableFuture<>();

    public static CompletableFuture<Void> ended(String path) {
        return ExchangeEndedHook.ended(path);
    }

    public static void reset() {
        EXCHANGES.clear();
        ExchangeEndedHook.clear();
        proceed = new CompletableFuture<>();
        committedAtLateChange = null;
        laterStash = new CompletableFuture<>();
        atProbeSnapshot = () -> { };
    }

    @Bean
    SecurityWebFilterChain securityChain(ServerHttpSecurity http) {
        return http.authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .csrf(ServerHttpSecurity.CsrfSpec::disable).build();
    }

    @Bean
    GatedStorage gatedStorage() {
        return new GatedStorage();
    }

    @Bean
    WebFilter endedHook() {
        return new ExchangeEndedHook();
    }

    /** A state class taken as a handler argument. */
    public static class Tags {

        @Stashed
        List<String> items = new ArrayList<>();
    }

    /** Run each time a {@link Probe}'s state is read (its JSON written): a snapshot of it, or a look for changes. */
    public static volatile Runnable atProbeSnapshot = () -> { };

    /** A state class whose value runs {@link #atProbeSnapshot} whenever it is written as JSON. */
    public static class Probe {

        @Stashed
        ProbeValue value = new ProbeValue();
    }

    /** A value written as JSON through its getter. */
    public static class ProbeValue {

        public String getValue() {
            atProbeSnapshot.run();
            return "probe";
        }

        public void setValue(String value) {
        }
    }

    /** A state class recovered only by a functional route. */
    public static class LateTags {

        @Stashed
        List<String> items = new ArrayList<>();
    }

    @Bean
    RouterFunction<ServerResponse> lateRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .GET("/fn/show", request -> stashes.recover(request, LateTags.class)
                        .flatMap(tags -> ServerResponse.ok().bodyValue("items=" + tags.items)))
                .GET("/fn/show-tags", request -> stashes.recover(request, Tags.class)
                        .flatMap(tags -> ServerResponse.ok().bodyValue("items=" + tags.items)))
                // A programmatic login, then a view the route binds, changes and stashes on its own (outside the
                // exchange's security context) once a test lets it proceed, from the test's thread.
                .POST("/fn/login-bind-later", request -> stashes.recover(request, LateTags.class).flatMap(tags -> {
                    EXCHANGES.put("login-bind-later", request.exchange());
                    CompletableFuture<Void> outcome = laterStash;
                    return loginAsAda(request.exchange()).then(Mono.fromRunnable(() -> proceed.thenRun(() ->
                            stashes.recover(request, Tags.class).flatMap(more -> {
                                more.items.add("ada-secret");
                                return stashes.stash(request);
                            }).subscribe(v -> { }, outcome::completeExceptionally, () -> outcome.complete(null)))))
                            .then(ServerResponse.ok().bodyValue("saved"));
                }))
                // The view is first bound after the response was committed, by the stream's second element.
                .GET("/fn/late-bind", request -> {
                    EXCHANGES.put("late-bind", request.exchange());
                    Flux<String> body = Flux.just("first\n").concatWith(Mono.defer(() -> {
                        committedAtLateChange = request.exchange().getResponse().isCommitted();
                        return stashes.recover(request, LateTags.class).map(tags -> {
                            tags.items.add("late");
                            return "changed " + tags.items + "\n";
                        });
                    }));
                    return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(body, String.class);
                })
                // Control: the view is bound before the commit, changed after it.
                .GET("/fn/early-bind", request -> stashes.recover(request, LateTags.class).flatMap(tags -> {
                    EXCHANGES.put("early-bind", request.exchange());
                    Flux<String> body = Flux.just("first\n").concatWith(Mono.fromSupplier(() -> {
                        committedAtLateChange = request.exchange().getResponse().isCommitted();
                        tags.items.add("late");
                        return "changed " + tags.items + "\n";
                    }));
                    return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(body, String.class);
                }))
                // An atomic view first bound after the commit, then the stream stays open until a test proceeds.
                .GET("/fn/late-bind-hold", request -> {
                    EXCHANGES.put("late-bind-hold", request.exchange());
                    Flux<String> body = Flux.just("first\n")
                            .concatWith(Mono.defer(() -> stashes.recover(request, LateTags.class).map(tags -> "bound\n")))
                            .concatWith(Mono.fromFuture(() -> proceed).thenReturn("done\n"));
                    return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(body, String.class);
                })
                // Control: bound before the commit, the stream then stays open until a test proceeds.
                .GET("/fn/early-bind-hold", request -> stashes.recover(request, LateTags.class).flatMap(tags -> {
                    EXCHANGES.put("early-bind-hold", request.exchange());
                    Flux<String> body = Flux.just("first\n")
                            .concatWith(Mono.fromFuture(() -> proceed).thenReturn("done\n"));
                    return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(body, String.class);
                }))
                .build();
    }

    /** A view controller with a second view taken as an argument. */
    @RestController
    @RequestMapping("/two")
    @StashedView(name = "hr-counter", atomic = false)
    public static class TwoViews {

        @Stashed
        int count;

        @GetMapping
        String show(Tags tags) {
            return "count=" + count + ";items=" + tags.items;
        }

        @PostMapping("/bump")
        String bump(Tags tags) {
            count++;
            return "count=" + count;
        }

        /**
         * Streams: the first element commits the response; the second fires a reset of the counter and
         * forgets it; the third (once a test let it) changes the tags, and says so.
         */
        @GetMapping(value = "/stream-reset", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> streamReset(ReactiveStash stash, Tags tags, ServerWebExchange exchange) {
            EXCHANGES.put("stream-reset", exchange);
            return Flux.just("first\n")
                    .concatWith(Mono.fromSupplier(() -> {
                        stash.reset().subscribe(v -> { }, e -> { }); // start over, fire and forget
                        return "resetting\n";
                    }))
                    .concatWith(Mono.fromFuture(() -> proceed).then(Mono.fromSupplier(() -> {
                        committedAtLateChange = exchange.getResponse().isCommitted();
                        tags.items.add("late");
                        return "changed " + tags.items + "\n";
                    })));
        }

        /** As streamReset, with a change of the counter stashed (fire and forget) instead of the reset. */
        @GetMapping(value = "/stream-stash", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> streamStash(ReactiveStash stash, Tags tags, ServerWebExchange exchange) {
            EXCHANGES.put("stream-stash", exchange);
            return Flux.just("first\n")
                    .concatWith(Mono.fromSupplier(() -> {
                        count++;
                        stash.stash().subscribe(v -> { }, e -> { }); // fire and forget
                        return "stashing\n";
                    }))
                    .concatWith(Mono.fromFuture(() -> proceed).then(Mono.fromSupplier(() -> {
                        committedAtLateChange = exchange.getResponse().isCommitted();
                        tags.items.add("late");
                        return "changed " + tags.items + "\n";
                    })));
        }

        /** Control: as streamReset, without the reset. */
        @GetMapping(value = "/stream-change", produces = MediaType.TEXT_PLAIN_VALUE)
        Flux<String> streamChange(Tags tags, ServerWebExchange exchange) {
            EXCHANGES.put("stream-change", exchange);
            return Flux.just("first\n").concatWith(Mono.fromSupplier(() -> {
                committedAtLateChange = exchange.getResponse().isCommitted();
                tags.items.add("late");
                return "changed " + tags.items + "\n";
            }));
        }

        /** "Start over" that fails, caught and retried with an awaited reset that succeeds. */
        @PostMapping("/reset-retry")
        Mono<String> resetRetry(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("reset-retry", exchange);
            return stash.reset().onErrorResume(e -> stash.reset()).thenReturn("count=" + count);
        }

        /** A fire-and-forget reset that fails; once a test lets it go on, an awaited reset that succeeds. */
        @PostMapping("/reset-forget-then-await")
        Mono<String> resetForgetThenAwait(ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("reset-forget-then-await", exchange);
            return Mono.defer(() -> {
                stash.reset().subscribe(v -> { }, e -> { }); // inside the body's Mono: after the handler returned
                return Mono.fromFuture(() -> proceed).then(stash.reset()).thenReturn("count=" + count);
            });
        }
    }

    /** A non-atomic view holding one note, with a programmatic login. */
    @RestController
    @StashedView(name = "hr-notes", atomic = false)
    public static class NotesView {

        @Stashed
        String note;

        @GetMapping("/notes")
        String show() {
            return "note=" + note;
        }

        @PostMapping("/notes")
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        /**
         * A programmatic login (the security context saved in the web session, as the application's own login
         * form would), then "start over" (a reset, fired and forgotten), then the new note.
         */
        @PostMapping("/notes/login-reset-set")
        Mono<String> loginResetSet(@RequestParam String note, ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("login-reset-set", exchange);
            return loginResetAndSet(note, stash, exchange);
        }

        /** The same, with a second view bound after this one: a {@link Probe}, unchanged. */
        @PostMapping("/notes/login-reset-set-probe")
        Mono<String> loginResetSetProbe(@RequestParam String note, ReactiveStash stash, Probe probe,
                ServerWebExchange exchange) {
            EXCHANGES.put("login-reset-set-probe", exchange);
            return loginResetAndSet(note, stash, exchange);
        }

        /** A programmatic login, the new note, then a stash of it fired and forgotten (subscribed on its own). */
        @PostMapping("/notes/login-set-stash-forget")
        Mono<String> loginSetStashForget(@RequestParam String note, ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("login-set-stash-forget", exchange);
            return loginAsAda(exchange).then(Mono.fromSupplier(() -> {
                this.note = note;
                stash.stash().subscribe(v -> { }, e -> { }); // a failure is the exchange's
                return "saved";
            }));
        }

        /**
         * A programmatic login, the new note, then a stash of it subscribed on its own (outside the exchange's
         * security context) once a test lets it {@link #proceed}, from the test's thread: while the response
         * commits, say.
         */
        @PostMapping("/notes/login-set-stash-later")
        Mono<String> loginSetStashLater(@RequestParam String note, ReactiveStash stash, ServerWebExchange exchange) {
            EXCHANGES.put("login-set-stash-later", exchange);
            CompletableFuture<Void> outcome = laterStash;
            return loginAsAda(exchange).then(Mono.fromSupplier(() -> {
                this.note = note;
                proceed.thenRun(() -> stash.stash().subscribe(v -> { }, outcome::completeExceptionally,
                        () -> outcome.complete(null)));
                return "saved";
            }));
        }

        /** A programmatic login, the new note, and no body ({@code Mono<Void>}). */
        @PostMapping("/notes/login-set-no-body")
        Mono<Void> loginSetNoBody(@RequestParam String note, ServerWebExchange exchange) {
            return loginAsAda(exchange)
                    .then(Mono.fromRunnable(() -> this.note = note));
        }

        private Mono<String> loginResetAndSet(String note, ReactiveStash stash, ServerWebExchange exchange) {
            return loginAsAda(exchange).then(Mono.fromSupplier(() -> {
                stash.reset().subscribe(v -> { }, e -> { }); // a failure is the exchange's
                this.note = note;
                return "saved";
            }));
        }

        /** Control: the same login without the reset. */
        @PostMapping("/notes/login-set")
        Mono<String> loginSet(@RequestParam String note, ServerWebExchange exchange) {
            return loginAsAda(exchange).then(Mono.fromSupplier(() -> {
                this.note = note;
                return "saved";
            }));
        }
    }

    /** A programmatic login: the security context saved in the web session, as a login form would. */
    public static Mono<Void> loginAsAda(ServerWebExchange exchange) {
        SecurityContext ada = new SecurityContextImpl(UsernamePasswordAuthenticationToken.authenticated("ada", null,
                AuthorityUtils.createAuthorityList("ROLE_USER")));
        return new WebSessionServerSecurityContextRepository().save(exchange, ada);
    }

    /** A view whose handler logs in, changes the note and redirects (a view name, not a body). */
    @org.springframework.stereotype.Controller
    @StashedView(name = "hr-redirect-notes", atomic = false)
    public static class RedirectingNotesView {

        @Stashed
        String note;

        @GetMapping("/redirect-notes")
        @org.springframework.web.bind.annotation.ResponseBody
        String show() {
            return "note=" + note;
        }

        @PostMapping("/redirect-notes")
        @org.springframework.web.bind.annotation.ResponseBody
        String save(@RequestParam String note) {
            this.note = note;
            return "saved";
        }

        @PostMapping("/redirect-notes/login-set-redirect")
        Mono<org.springframework.web.reactive.result.view.Rendering> loginSetRedirect(@RequestParam String note,
                ServerWebExchange exchange) {
            return loginAsAda(exchange).then(Mono.fromSupplier(() -> {
                this.note = note;
                return org.springframework.web.reactive.result.view.Rendering.redirectTo("/redirect-notes").build();
            }));
        }
    }

    /**
     * The in-memory backend, whose next PUT to a key (or to another key than one) a test can hold, then let
     * through or fail (other PUTs, a late write of an earlier test's session included, go through).
     */
    public static final class GatedStorage implements StorageBackend {

        public final InMemoryStorageBackend memory = new InMemoryStorageBackend();
        private final AtomicReference<@Nullable Gate> nextPut = new AtomicReference<>();
        private final List<Gate> gates = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The key of the last PUT, which a test reads after a request of its browser wrote. */
        private volatile @Nullable String lastPutKey;

        /** A held PUT. */
        public static final class Gate {
            final Predicate<String> holds;
            /** Completed when the PUT came in. */
            public final CompletableFuture<Void> reached = new CompletableFuture<>();
            final CompletableFuture<@Nullable StorageException> release = new CompletableFuture<>();

            Gate(Predicate<String> holds) {
                this.holds = holds;
            }

            public void pass() {
                release.complete(null);
            }

            public void fail() {
                release.complete(new StorageException("the test failed this held PUT (not applied)"));
            }
        }

        /** @return the key of the last PUT (one the test's browser just caused) */
        public String lastPutKey() {
            String key = lastPutKey;
            if (key == null) {
                throw new IllegalStateException("nothing was written yet");
            }
            return key;
        }

        /** Holds the next PUT to {@code key}. */
        public Gate holdNextPut(String key) {
            return holdNextPut(key::equals);
        }

        /** Holds the next PUT to another key than {@code key} (e.g. the copy of a session's state to a new sid). */
        public Gate holdNextPutNotTo(String key) {
            return holdNextPut(other -> !other.equals(key));
        }

        private Gate holdNextPut(Predicate<String> holds) {
            Gate gate = new Gate(holds);
            gates.add(gate);
            nextPut.set(gate);
            return gate;
        }

        /** Lets every held PUT, and the next one a test waits for, through. */
        public void passAll() {
            nextPut.set(null);
            gates.forEach(Gate::pass);
            gates.clear();
        }

        @Override
        public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
            return memory.get(key, ifNoneMatch);
        }

        @Override
        public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
            lastPutKey = key;
            Gate gate = nextPut.get();
            if (gate == null || !gate.holds.test(key) || !nextPut.compareAndSet(gate, null)) {
                return memory.put(key, body, precondition);
            }
            gate.reached.complete(null);
            return gate.release.thenCompose(failure -> failure == null ? memory.put(key, body, precondition)
                    : CompletableFuture.<PutResult>failedFuture(failure));
        }

        @Override
        public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
            return memory.delete(key, ifMatch);
        }

        @Override
        public boolean isEphemeral() {
            return true;
        }
    }
}

package dev.durablestash.spring.web.reactive.viewturns;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.StashedRoutes;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A WebFlux app whose routes and controllers hold, share and fail atomic views: tests of their turns. */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class ViewTurnsApplication {

    /** An atomic view (the default). */
    public static class Clicks {

        @Stashed
        int count;
    }

    /** A view whose stash fails when its value is set: it cannot be written as JSON. */
    public static class Unstorable {

        @Stashed
        Object value;
    }

    static volatile CompletableFuture<Void> entered = new CompletableFuture<>();
    static volatile CompletableFuture<Void> released = new CompletableFuture<>();

    static void closeGate() {
        entered = new CompletableFuture<>();
        released = new CompletableFuture<>();
    }

    @Bean
    RouterFunction<ServerResponse> turnRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .GET("/r/show", request -> stashes.recover(request, Clicks.class)
                        .flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                // read-modify-write held at the gate while it holds the turn
                .POST("/r/held", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    int seen = c.count;
                    entered.complete(null);
                    return Mono.fromFuture(released).then(Mono.defer(() -> {
                        c.count = seen + 1;
                        return ServerResponse.ok().bodyValue("count=" + c.count);
                    }));
                }))
                // one handler that uses the view in two branches at once (the Mono subscribed twice)
                .GET("/r/zip", request -> {
                    Mono<Clicks> clicks = stashes.recover(request, Clicks.class);
                    return Mono.zip(clicks, clicks).flatMap(t -> ServerResponse.ok().bodyValue(
                            "same=" + (t.getT1() == t.getT2()) + ";counts=" + t.getT1().count + "," + t.getT2().count));
                })
                .build();
    }

    /**
     * The same view behind a {@code before} filter that adds a request header, as the Spring reference shows
     * ({@code ServerRequest.from(request).header(...).build()}): the handler gets a rebuilt request, whose
     * exchange has a copy of the attributes.
     */
    @Bean
    RouterFunction<ServerResponse> filteredRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .GET("/f/show", request -> stashes.recover(request, Clicks.class)
                        .flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                .POST("/f/held", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    entered.complete(null);
                    return Mono.fromFuture(released).then(ServerResponse.ok().bodyValue("count=" + c.count));
                }))
                .POST("/f/add-and-fail", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count += 100;
                    return Mono.error(new ResponseStatusException(
                            HttpStatus.CONFLICT, "the route failed"));
                }))
                .GET("/f/events", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    int seen = ++c.count;
                    return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                            .body(Mono.defer(() -> {
                                entered.complete(null);
                                return Mono.fromFuture(released);
                            }).thenMany(Flux.just("count=" + seen)), String.class);
                }))
                .POST("/f/rotate", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ReactiveBrowserSession.of(request.exchange()).rotate()
                            .then(ServerResponse.ok().bodyValue("count=" + c.count));
                }))
                .POST("/f/end", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ReactiveBrowserSession.of(request.exchange()).end()
                            .then(ServerResponse.ok().bodyValue("ended"));
                }))
                .POST("/f/redirect", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ServerResponse.seeOther(URI.create("/r/show")).build();
                }))
                .before(request -> ServerRequest.from(request)
                        .header("X-Trace", "1").build())
                .build();
    }

    /** The same held route without the filter, for comparison. */
    @Bean
    RouterFunction<ServerResponse> plainRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .POST("/p/held", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    entered.complete(null);
                    return Mono.fromFuture(released).then(ServerResponse.ok().bodyValue("count=" + c.count));
                }))
                .POST("/p/rotate", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ReactiveBrowserSession.of(request.exchange()).rotate()
                            .then(ServerResponse.ok().bodyValue("count=" + c.count));
                }))
                .POST("/p/end", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ReactiveBrowserSession.of(request.exchange()).end()
                            .then(ServerResponse.ok().bodyValue("ended"));
                }))
                .POST("/p/redirect", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count++;
                    return ServerResponse.seeOther(URI.create("/r/show")).build();
                }))
                .POST("/p/add-and-fail", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count += 100;
                    return Mono.error(new ResponseStatusException(
                            HttpStatus.CONFLICT, "the route failed"));
                }))
                .build();
    }

    /**
     * A route whose explicit stash fails (the handler goes on, catching the error), and that then changes another
     * view, bound after the failure, and stashes it explicitly.
     */
    @Bean
    RouterFunction<ServerResponse> failedStashRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .POST("/s/fail-then-stash", request -> stashes.handle(request, Unstorable.class)
                        .flatMap(unstorable -> {
                            ((Unstorable) unstorable.target()).value = new Object(); // no JSON for it
                            return unstorable.stash().onErrorResume(e -> Mono.empty());
                        })
                        .then(stashes.handle(request, Clicks.class))
                        .flatMap(clicks -> {
                            ((Clicks) clicks.target()).count += 10;
                            return clicks.stash().onErrorResume(e -> Mono.empty());
                        })
                        .then(ServerResponse.ok().bodyValue("answered")))
                .build();
    }

    /** A route whose errors are answered by the route builder's own onError, as Spring's reference shows. */
    @Bean
    RouterFunction<ServerResponse> onErrorRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .POST("/o/add-and-fail", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                    c.count += 100;
                    return Mono.error(new IllegalStateException("the route failed"));
                }))
                .onError(IllegalStateException.class, (e, request) -> ServerResponse.status(409).bodyValue("handled"))
                .build();
    }
}

package dev.durablestash.spring.web.reactive.commitorder;

import java.util.concurrent.atomic.AtomicReference;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.WebFilter;

import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.spring.web.reactive.testapp.FluxCounterController;

import reactor.core.publisher.Mono;

/**
 * The counter controller, with commit actions of the application's own: a web filter's (after the starter's
 * filter, before the handler) that rejects the response (409) when the request asks for it, as a quota or a
 * session store that is down would, and a functional route's that changes the view it recovers after
 * registering the action.
 */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
@Import(FluxCounterController.class)
public class CommitOrderTestApplication {

    /** Rejects the response as it commits when the request carries {@code X-Reject-At-Commit}. */
    @Bean
    WebFilter rejectAtCommit() {
        return (exchange, chain) -> {
            if (exchange.getRequest().getHeaders().containsHeader("X-Reject-At-Commit")) {
                exchange.getResponse().beforeCommit(() -> Mono.error(
                        new ResponseStatusException(HttpStatus.CONFLICT, "rejected at commit")));
            }
            return chain.filter(exchange);
        };
    }

    /**
     * A route that registers its own commit action before it recovers the view: the action adds 1 to the view
     * as the response commits ("just before the response is committed", as the starter's stash).
     */
    @Bean
    RouterFunction<ServerResponse> commitActionRoutes(StashedRoutes stashes) {
        return RouterFunctions.route()
                .GET("/tally", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> ServerResponse.ok().bodyValue("total=" + tally.total)))
                .POST("/tally/add-with-commit-action", request -> {
                    AtomicReference<Tally> recovered = new AtomicReference<>();
                    request.exchange().getResponse().beforeCommit(() -> Mono.fromRunnable(() -> {
                        if (recovered.get() != null) {
                            recovered.get().total += 1;
                        }
                    }));
                    return stashes.recover(request, Tally.class).flatMap(tally -> {
                        recovered.set(tally);
                        tally.total += 5;
                        return ServerResponse.ok().bodyValue("total=" + tally.total);
                    });
                })
                .build();
    }
}

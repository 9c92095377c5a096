package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.web.reactive.StashedRoutes;

import reactor.core.publisher.Mono;

/** Functional routes that recover, change, stash and reset a view through {@link StashedRoutes}. */
@Configuration(proxyBeanMethods = false)
public class TallyRoutes {

    @Bean
    RouterFunction<ServerResponse> tallyRouter(StashedRoutes stashes) {
        return RouterFunctions.route()
                .GET("/tally", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> ServerResponse.ok().bodyValue("total=" + tally.total)))
                .POST("/tally/add", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            tally.total += 5;
                            return ServerResponse.ok().bodyValue("total=" + tally.total);
                        }))
                .POST("/tally/add-now", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            tally.total += 1;
                            return stashes.stash(request).then(ServerResponse.ok().bodyValue("stashed"));
                        }))
                .POST("/tally/add-and-fail", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            tally.total += 100;
                            return Mono.error(new ResponseStatusException(HttpStatus.CONFLICT, "the route failed"));
                        }))
                .POST("/tally/reset", request -> stashes.handle(request, Tally.class)
                        .flatMap(stash -> stash.reset().then(Mono.defer(() -> ServerResponse.ok()
                                .bodyValue("total=" + ((Tally) stash.target()).total)))))
                .build();
    }
}

package com.example.reactive;

import java.net.URI;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.StashedRoutes;

class Tally {
  @Stashed int total;
}

@Configuration(proxyBeanMethods = false)
class TallyRoutes {
  @Bean
  RouterFunction<ServerResponse> tallyRouter(StashedRoutes stashes) {
    return RouterFunctions.route()
        .GET("/tally", request -> stashes.recover(request, Tally.class)
            .flatMap(tally -> ServerResponse.ok().bodyValue("total=" + tally.total)))
        .POST("/tally/add", request -> stashes.recover(request, Tally.class)
            .flatMap(tally -> {
              tally.total++;                           // stashed before the response is committed
              return ServerResponse.ok().bodyValue("total=" + tally.total);
            }))
        .POST("/tally/reset", request -> stashes.handle(request, Tally.class)
            .flatMap(stash -> stash.reset())           // removed from storage, fields back to defaults
            .then(ServerResponse.seeOther(URI.create("/tally")).build()))
        .build();
  }
}

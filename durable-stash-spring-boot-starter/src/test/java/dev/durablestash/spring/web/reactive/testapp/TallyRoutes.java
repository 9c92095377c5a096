package dev.durablestash.spring.web.reactive.testapp;

import java.nio.charset.StandardCharsets;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.web.reactive.StashedRoutes;

import reactor.core.publisher.Flux;
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
                // An event stream a page keeps open: its first event waits at the Gate (reached once the body
                // is subscribed), as one waiting for something to happen.
                .GET("/tally/events", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            int seen = ++tally.total;
                            return ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
                                    .body(Mono.defer(() -> Mono.fromFuture(Gate.pass()))
                                            .thenMany(Flux.just("total=" + seen)), String.class);
                        }))
                // The same, its body given as a BodyInserter, which does not say what it writes.
                .GET("/tally/events-inserter", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            int seen = ++tally.total;
                            return ServerResponse.ok().body(BodyInserters.fromServerSentEvents(
                                    Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(
                                            Flux.just(ServerSentEvent.builder("total=" + seen).build()))));
                        }))
                // Streams given as BodyInserters that WebFlux writes with writeWith, not flushing each element
                // (text, raw bytes): the first element of each waits at the Gate.
                .GET("/tally/text-inserter", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            int seen = ++tally.total;
                            return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(
                                    BodyInserters.fromPublisher(gated(Flux.just("total=" + seen)), String.class));
                        }))
                .GET("/tally/bytes-inserter", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            byte[] seen = ("total=" + ++tally.total).getBytes(StandardCharsets.UTF_8);
                            DataBufferFactory buffers = request.exchange().getResponse().bufferFactory();
                            return ServerResponse.ok().contentType(MediaType.APPLICATION_OCTET_STREAM)
                                    .body(BodyInserters.fromDataBuffers(gated(Flux.defer(
                                            () -> Flux.just(buffers.wrap(seen))))));
                        }))
                // JSON lines written as strings (one JSON string a line): the text writer's, with writeWith.
                .GET("/tally/lines-inserter", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            String line = "\"total=" + ++tally.total + "\"\n";
                            return ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
                                    .body(BodyInserters.fromPublisher(gated(Flux.just(line)), String.class));
                        }))
                // A single value, which the Mono changes as it is produced: not a stream, though written as text.
                .POST("/tally/add-text-value", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(BodyInserters
                                .fromPublisher(Mono.fromSupplier(() -> "total=" + (tally.total += 1)), String.class))))
                // A JSON array given as a BodyInserter, not a stream: its element waits at the Gate.
                .POST("/tally/add-json-inserter", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> {
                            tally.total += 1;
                            return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).body(
                                    BodyInserters.fromPublisher(gated(Flux.just(tally.total)), Integer.class));
                        }))
                // A JSON array, not a stream: the total changes while the Flux is produced.
                .POST("/tally/add-json", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                                .body(Flux.just(1, 2).map(step -> tally.total += step), Integer.class)))
                .POST("/tally/reset", request -> stashes.handle(request, Tally.class)
                        .flatMap(stash -> stash.reset().then(Mono.defer(() -> ServerResponse.ok()
                                .bodyValue("total=" + ((Tally) stash.target()).total)))))
                .build();
    }

    /** @return {@code elements}, once the Gate let the first through (it is reached when subscribed) */
    private static <T> Flux<T> gated(Flux<T> elements) {
        return Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(elements);
    }
}

package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.WebAsyncTask;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A view with asynchronous handlers. Each deferred kind changes {@code note} in the handler method
 * and {@code count} when it produces its result; the streaming kinds change {@code count} in the
 * handler method and {@code note} while they stream. Steps the test controls go through
 * {@link Pending}. The {@code Flux} kinds are either collected by Spring MVC into a JSON array (they
 * change {@code count} while their values are produced) or streamed (they change {@code count} in
 * the handler method, and their one value, {@code count}, waits at the {@link Gate}).
 */
@RestController
@StashedView(name = "async")
class AsyncController {

    @Stashed int count;
    @Stashed String note;

    @GetMapping("/async")
    String show() {
        return "count=" + count + ";note=" + note;
    }

    @PostMapping("/async/increment")
    String increment() {
        count++;
        return show();
    }

    @PostMapping("/async/callable")
    Callable<String> callable() {
        note = "callable";
        return () -> {
            count++;
            return show();
        };
    }

    @PostMapping("/async/gated-callable")
    Callable<String> gatedCallable() {
        note = "gated-callable";
        return () -> {
            count++;
            Gate.pass();
            return show();
        };
    }

    /** Increments, then forwards to {@link #gatedCallable}: two changes of this view in one request. */
    @PostMapping("/async/increment-then-forward-to-gated-callable")
    ModelAndView incrementThenForwardToGatedCallable() {
        count++;
        return new ModelAndView("forward:/async/gated-callable");
    }

    @PostMapping("/async/deferred")
    DeferredResult<String> deferred() {
        note = "deferred";
        DeferredResult<String> result = new DeferredResult<>();
        Pending.offer(() -> {
            count++;
            result.setResult(show());
        });
        return result;
    }

    @PostMapping("/async/future")
    CompletableFuture<String> future() {
        note = "future";
        CompletableFuture<String> result = new CompletableFuture<>();
        Pending.offer(() -> {
            count++;
            result.complete(show());
        });
        return result;
    }

    @PostMapping("/async/mono")
    Mono<String> mono() {
        return Mono.fromSupplier(() -> { // changes only when it produces its value
            note = "mono";
            count++;
            return show();
        });
    }

    /** A single value in a {@code ResponseEntity}: Spring MVC writes it on an async dispatch too. */
    @PostMapping("/async/entity-mono")
    ResponseEntity<Mono<String>> entityMono() {
        return ResponseEntity.ok(Mono.fromSupplier(() -> { // changes only when it produces its value
            note = "entity-mono";
            count++;
            return show();
        }));
    }

    @PostMapping("/async/task")
    WebAsyncTask<String> task() {
        note = "task";
        return new WebAsyncTask<>(() -> {
            count++;
            return show();
        });
    }

    /** Never produces its result: Spring MVC times it out. */
    @PostMapping("/async/deferred-timeout")
    DeferredResult<String> deferredTimeout() {
        count++;
        return new DeferredResult<>(100L);
    }

    @PostMapping("/async/sse")
    SseEmitter sse() {
        count++;
        SseEmitter emitter = new SseEmitter();
        Pending.offer(() -> send(emitter, show()));
        Pending.offer(() -> {
            note = "changed while streaming";
            emitter.complete();
        });
        return emitter;
    }

    @PostMapping("/async/emitter")
    ResponseBodyEmitter emitter() {
        count++;
        ResponseBodyEmitter emitter = new ResponseBodyEmitter();
        Pending.offer(() -> send(emitter, show()));
        Pending.offer(() -> {
            note = "changed while streaming";
            emitter.complete();
        });
        return emitter;
    }

    /** As {@link #sse}, as the body of a {@code ResponseEntity} declared of any body. */
    @PostMapping("/async/any-entity-sse")
    ResponseEntity<?> anyEntitySse() {
        return ResponseEntity.ok(sse());
    }

    @PostMapping("/async/sse-stash-now")
    SseEmitter sseStashNow(Stash stash) {
        count++;
        SseEmitter emitter = new SseEmitter();
        Pending.offer(() -> send(emitter, show()));
        Pending.offer(() -> {
            note = "stashed while streaming";
            stash.stashNow();
            send(emitter, show());
            emitter.complete();
        });
        return emitter;
    }

    /** A {@code Flux} of numbers, collected into a JSON array: each value it produces is an increment. */
    @PostMapping("/async/json-flux")
    Flux<Integer> jsonFlux() {
        note = "json-flux";
        return Flux.range(0, 2).map(i -> ++count);
    }

    /** As {@link #jsonFlux}, as a {@code ResponseEntity}'s body, with an increment in a {@code Flux.defer}. */
    @PostMapping("/async/entity-json-flux")
    ResponseEntity<Flux<Integer>> entityJsonFlux() {
        note = "entity-json-flux";
        Flux<Integer> increment = Flux.defer(() -> Flux.just(++count));
        return ResponseEntity.ok(increment.concatWith(increment));
    }

    /** A collected {@code Flux} whose one increment waits at the {@link Gate}, off the request's thread. */
    @PostMapping("/async/gated-json-flux")
    Flux<Integer> gatedJsonFlux() {
        return gated(() -> ++count);
    }

    /** A collected {@code Flux} that fails after its first value; the handler method set {@code count}. */
    @PostMapping("/async/failing-json-flux")
    Flux<Integer> failingJsonFlux() {
        count = 100;
        return Flux.just(1).concatWith(Flux.error(new IllegalStateException("the Flux failed")));
    }

    /** Server-sent events, by the media type the handler produces. */
    @PostMapping(path = "/async/sse-flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<Integer> sseFlux() {
        count++;
        return gated(() -> count);
    }

    /** Server-sent events, by the type of the elements. */
    @PostMapping("/async/sse-event-flux")
    Flux<ServerSentEvent<Integer>> sseEventFlux() {
        count++;
        return gated(() -> ServerSentEvent.builder(count).build());
    }

    /** Server-sent events, by the content type of the {@code ResponseEntity}. */
    @PostMapping("/async/entity-sse-flux")
    ResponseEntity<Flux<Integer>> entitySseFlux() {
        count++;
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(gated(() -> count));
    }

    /** As {@link #entitySseFlux}, declared a {@code ResponseEntity} of any body. */
    @PostMapping("/async/any-entity-sse-flux")
    ResponseEntity<?> anyEntitySseFlux() {
        count++;
        return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(gated(() -> count));
    }

    /** JSON lines when the request accepts them (numbers in JSON otherwise). */
    @PostMapping("/async/ndjson-flux")
    Flux<Integer> ndjsonFlux() {
        count++;
        return gated(() -> count);
    }

    /** Text, streamed whatever the request accepts, for its elements are character sequences. */
    @PostMapping("/async/text-flux")
    Flux<String> textFlux() {
        count++;
        return gated(() -> String.valueOf(count));
    }

    /** One value, produced on another thread once the test opens the {@link Gate}. */
    private static <T> Flux<T> gated(Supplier<T> value) {
        return Flux.defer(() -> {
            Gate.pass();
            return Flux.just(value.get());
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private static void send(ResponseBodyEmitter emitter, String text) {
        try {
            emitter.send(text + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

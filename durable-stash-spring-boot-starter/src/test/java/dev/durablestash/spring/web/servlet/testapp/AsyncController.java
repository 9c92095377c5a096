package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

import org.springframework.http.ResponseEntity;
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

import reactor.core.publisher.Mono;

/**
 * A view with asynchronous handlers. Each deferred kind changes {@code note} in the handler method
 * and {@code count} when it produces its result; the streaming kinds change {@code count} in the
 * handler method and {@code note} while they stream. Steps the test controls go through
 * {@link Pending}.
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

    private static void send(ResponseBodyEmitter emitter, String text) {
        try {
            emitter.send(text + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

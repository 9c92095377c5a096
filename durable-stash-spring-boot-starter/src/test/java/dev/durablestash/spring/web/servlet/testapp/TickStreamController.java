package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.servlet.BrowserSession;

/**
 * A view holding a value whose JSON differs on every write (a getter of the time) and a stable key. Steps
 * the test controls go through {@link Pending}.
 */
@RestController
class TickStreamController {

    /** A value whose JSON differs each time it is written. */
    public static class Ticker {

        public int value;

        public long getNow() {
            return System.nanoTime();
        }
    }

    @Stashed Ticker ticker = new Ticker();
    @Stashed int count;

    @PostMapping("/tick-plain")
    String plain() {
        return "tick " + ticker.value + ";count=" + count;
    }

    /** The stream's step rotates the sid (a stash of the views, after the stream started), then changes count. */
    @PostMapping("/tick-stream/rotate-then-count")
    SseEmitter rotateThenCount(HttpServletRequest request) {
        SseEmitter emitter = new SseEmitter();
        Pending.offer(() -> {
            BrowserSession.of(request).rotate();
            count = 42;
            emitter.complete();
        });
        return emitter;
    }

    @PostMapping("/tick-stream")
    SseEmitter stream() {
        SseEmitter emitter = new SseEmitter();
        Pending.offer(() -> {
            try {
                emitter.send("tick " + ticker.value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        Pending.offer(emitter::complete);
        return emitter;
    }
}

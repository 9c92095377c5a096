package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.durablestash.spring.Stashed;

/**
 * A view holding a value whose JSON differs on every write (a getter of the time), streamed: nothing
 * changes while it streams. Steps the test controls go through {@link Pending}.
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

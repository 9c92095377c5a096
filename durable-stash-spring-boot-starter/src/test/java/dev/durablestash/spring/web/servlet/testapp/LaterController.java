package dev.durablestash.spring.web.servlet.testapp;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/**
 * A view whose handler returns a {@code CompletableFuture} that the test completes after the handler
 * returned: the change made while producing the result is to be stashed before the result is written.
 */
@RestController
public class LaterController {

    /** The step that produces the pending result: changes {@code count}, then completes the future. */
    public static final AtomicReference<Runnable> PENDING = new AtomicReference<>();

    @Stashed int count;

    @GetMapping("/later")
    String show() {
        return "count=" + count;
    }

    @PostMapping("/later/increment")
    CompletableFuture<String> increment() {
        CompletableFuture<String> result = new CompletableFuture<>();
        PENDING.set(() -> {
            count++;
            result.complete(show());
        });
        return result;
    }
}

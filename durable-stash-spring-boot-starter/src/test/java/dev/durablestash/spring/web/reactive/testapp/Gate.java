package dev.durablestash.spring.web.reactive.testapp;

import java.util.concurrent.CompletableFuture;

/** Lets a test hold an exchange inside its handler, without blocking a thread, until it says so. */
public final class Gate {

    private static volatile CompletableFuture<Void> entered = new CompletableFuture<>();
    private static volatile CompletableFuture<Void> released = new CompletableFuture<>();

    private Gate() {
    }

    /** Closes the gate: the next exchange that passes it waits for {@link #open()}. */
    public static void close() {
        entered = new CompletableFuture<>();
        released = new CompletableFuture<>();
    }

    /** Opens the gate: every exchange waiting at it goes on. */
    public static void open() {
        released.complete(null);
    }

    /** @return completes when an exchange reached the gate */
    public static CompletableFuture<Void> entered() {
        return entered;
    }

    static CompletableFuture<Void> pass() {
        entered.complete(null);
        return released;
    }
}

package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

/** Base class of the errors DurableStash reports to callers. */
public class StashException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the view (and key, where there is one)
     * @param cause the underlying error, or {@code null}
     */
    public StashException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}

package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

/**
 * The storage write that would have contained a stash did not succeed, so the stash was not
 * acknowledged. The diff may or may not have reached storage (a lost response); it is not retried.
 * Web integrations answer HTTP 503 by default.
 */
public class StashWriteException extends StashException {

    private static final long serialVersionUID = 1L;

    private final String view;

    /**
     * @param view the view whose stash failed
     * @param message what went wrong
     * @param cause the underlying error, or {@code null}
     */
    public StashWriteException(String view, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.view = view;
    }

    /** @return the view whose stash failed */
    public String view() {
        return view;
    }
}

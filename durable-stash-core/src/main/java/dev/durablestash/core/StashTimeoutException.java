package dev.durablestash.core;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * An operation did not complete within {@link StashSettings#operationTimeout()}: a stash (its write
 * may still reach storage, as with any failed write), or the wait for a view's turn. Web
 * integrations answer with the failure status (503 by default). A recover that times out does not
 * throw; it completes with {@link RecoveryStatus#ERROR} and this exception as its error.
 */
public class StashTimeoutException extends StashWriteException {

    private static final long serialVersionUID = 1L;

    /**
     * @param view the view whose operation timed out
     * @param operation what timed out, e.g. {@code "stash"}
     * @param timeout the deadline that passed
     */
    public StashTimeoutException(String view, String operation, Duration timeout) {
        this(view, operation, timeout, null);
    }

    /**
     * @param view the view whose operation timed out
     * @param operation what timed out, e.g. {@code "stash"}
     * @param timeout the deadline that passed
     * @param cause the storage call that got no answer in time, or {@code null}
     */
    public StashTimeoutException(String view, String operation, Duration timeout, @Nullable Throwable cause) {
        super(view, operation + " of view '" + view + "' did not complete within " + readable(timeout)
                + " (operation-timeout)", cause);
    }

    private StashTimeoutException(String view, String message) {
        super(view, message, null);
    }

    /**
     * @param view an atomic view
     * @param timeout the deadline that passed
     * @return the failure of a request that waited for its turn at an atomic view in vain
     */
    public static StashTimeoutException turnNotGranted(String view, Duration timeout) {
        return new StashTimeoutException(view, "view '" + view + "' is atomic, and another request of the same "
                + "browser session held its turn for longer than " + readable(timeout) + " (operation-timeout); "
                + "nothing was recovered or stashed for this request");
    }

    /** @return e.g. {@code 10 s} or {@code 500 ms} */
    static String readable(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}

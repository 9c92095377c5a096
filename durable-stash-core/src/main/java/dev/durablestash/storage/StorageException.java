package dev.durablestash.storage;

import org.jspecify.annotations.Nullable;

/**
 * A storage operation failed: the store was unreachable, timed out, refused access, or answered
 * something the backend cannot interpret. Not used for the normal outcomes "not found", "not
 * modified" and "precondition failed".
 *
 * <p>The message names the operation and the key, and for S3 the error code.
 */
public class StorageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the operation and key
     * @param cause the underlying error, or {@code null}
     */
    public StorageException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /**
     * @param message what failed, naming the operation and key
     */
    public StorageException(String message) {
        super(message);
    }
}

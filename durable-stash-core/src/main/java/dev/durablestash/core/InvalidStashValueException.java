package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

/**
 * A value cannot be stashed: it cannot be represented as JSON, is larger than the configured
 * limit, would not be recovered as it is, or holds what the session document's reader could not
 * read back (see {@link StashAdapter#stash(String, ViewDefinition, java.util.Map) stash}), or its key
 * is not a stored key of the view. Thrown by {@link StashAdapter#stash stash} before anything is
 * written.
 */
public class InvalidStashValueException extends StashException {

    private static final long serialVersionUID = 1L;

    private final String view;
    private final String key;

    /**
     * @param view the view
     * @param key the stored key
     * @param message what is wrong with the value
     * @param cause the underlying error, or {@code null}
     */
    public InvalidStashValueException(String view, String key, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.view = view;
        this.key = key;
    }

    /** @return the view the value was stashed for */
    public String view() {
        return view;
    }

    /** @return the stored key the value was stashed under */
    public String key() {
        return key;
    }
}

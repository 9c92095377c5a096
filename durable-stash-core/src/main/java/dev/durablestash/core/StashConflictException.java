package dev.durablestash.core;

/**
 * A stash gave up after its bounded number of compare-and-swap attempts, each of which found that
 * another writer (another app instance) had changed the session document first.
 */
public class StashConflictException extends StashWriteException {

    private static final long serialVersionUID = 1L;

    /**
     * @param view the view whose stash failed
     * @param attempts how many writes were attempted
     */
    public StashConflictException(String view, int attempts) {
        super(view, "stash of view '" + view + "' gave up after " + attempts
                + " compare-and-swap attempts: the session document kept changing under it", null);
    }
}

package dev.durablestash.core;

/**
 * A browser session's exclusive turn at one view, within this JVM: while it is held, no other
 * request of the same session gets a turn at the same view, so a request's recover → handler →
 * stash is atomic (a read-modify-write such as a click counter never loses an update). Turns are
 * granted in the order they were asked for. See {@link StashAdapter#turn(String, ViewDefinition)}.
 *
 * <p><b>Thread-safety:</b> thread-safe; {@link #close()} may be called from any thread, any number of
 * times: the first call hands the turn on, later calls do nothing.
 */
public interface ViewTurn extends AutoCloseable {

    /** Hands the turn to the next waiting request of the same session and view, if any. Idempotent. */
    @Override
    void close();
}

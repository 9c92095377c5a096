package dev.durablestash.core;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.core.SessionOps.Op;
import dev.durablestash.core.SessionOps.RecoverOp;
import dev.durablestash.core.SessionOps.SessionChange;
import dev.durablestash.core.SessionOps.StashOp;

/**
 * How a {@link SessionActor}'s operations end: the one place that completes their futures, maps a
 * failure to the exception the caller sees (a timeout, a write failure naming the view, a failure of
 * the whole session's rotate or end), and releases the operation from the actor's count. Confined to
 * the actor's runner, like the actor's own state.
 *
 * <p>Only the actor (through this class) completes these futures (callers get copies), so
 * {@code isDone()} tells whether an operation has ended. The registry counts acknowledged and failed
 * stashes as their callers see them.
 */
final class Outcomes {

    /** The actor's logger: these lines are the actor's. */
    private static final Logger log = LoggerFactory.getLogger(SessionActor.class);

    private final StashSettings settings;
    private final EngineCounters counters;
    /** Its count of accepted operations is released once for each operation that ends. */
    private final SessionActor actor;

    Outcomes(StashSettings settings, EngineCounters counters, SessionActor actor) {
        this.settings = settings;
        this.counters = counters;
        this.actor = actor;
    }

    void finishChange(SessionChange change) {
        if (!change.result().isDone()) {
            change.result().complete(null);
            actor.release();
        }
    }

    void failChange(SessionChange change, Throwable error) {
        if (change.result().isDone()) {
            return;
        }
        StashWriteException failure;
        if (error instanceof StashWriteException swe) {
            failure = swe;
        } else if (error instanceof TimedStorage.Timeout) {
            failure = new StashTimeoutException("(session)", change.name(), settings.operationTimeout(), error);
        } else {
            failure = new StashWriteException("(session)", change.name() + " of the browser session failed: "
                    + describe(error), error);
        }
        counters.failed.increment();
        change.result().completeExceptionally(failure);
        actor.release();
    }


    // Only the actor completes these futures (callers get copies), so isDone() tells whether an
    // operation has ended. The registry counts acknowledged and failed stashes as their callers see them.

    void finish(RecoverOp op, Recovery recovery) {
        if (!op.result().isDone()) {
            op.result().complete(recovery);
            actor.release();
        }
    }

    /**
     * Ends a written batch's stashes, in order. With several, the threads that wait for their callers
     * are unparked after the answers, helped by the first of them to wake ({@link CallerFuture.Wakes}).
     */
    void finishAll(List<StashOp> batch) {
        if (batch.size() > 1) {
            CallerFuture.Wakes.collect(() -> finishEach(batch));
        } else {
            finishEach(batch);
        }
    }

    private void finishEach(List<StashOp> batch) {
        for (StashOp op : batch) {
            if (!op.result().isDone()) {
                op.result().complete(null);
                actor.release();
            }
        }
    }

    void failAll(List<StashOp> batch, Throwable error) {
        for (StashOp op : batch) {
            String view = viewOf(op);
            StashWriteException failure;
            if (error instanceof StashWriteException swe) {
                failure = swe;
            } else if (error instanceof TimedStorage.Timeout) {
                failure = new StashTimeoutException(view, operationOf(op), settings.operationTimeout(), error);
            } else {
                failure = new StashWriteException(view, "stash of view '" + view + "' was not acknowledged: "
                        + describe(error), error);
            }
            fail(op, failure);
        }
    }

    /** @return {@code "reset"} or {@code "stash"}, as the caller's failure names it */
    static String operationOf(StashOp op) {
        return op.diff().mode() == SliceDiff.Mode.RESET ? "reset" : "stash";
    }

    void fail(StashOp op, StashWriteException error) {
        if (!op.result().isDone()) {
            if (op.internal()) {
                log.warn("background write of the session document failed: {}", error.getMessage());
            }
            op.result().completeExceptionally(error);
            actor.release();
        }
    }

    /** Ends an operation that an unexpected error or its deadline interrupted; does nothing if it already ended. */
    void abandon(Op op, Throwable error) {
        if (op instanceof RecoverOp recover) {
            finish(recover, Recovery.error(error));
        } else if (op instanceof SessionChange change) {
            failChange(change, error);
        } else {
            StashOp stash = (StashOp) op;
            String view = viewOf(stash);
            fail(stash, error instanceof StashWriteException swe ? swe
                    : new StashWriteException(view, "stash of view '" + view + "' failed unexpectedly: "
                            + describe(error), error));
        }
    }

    static String viewOf(StashOp op) {
        return op.diff().isTouch() ? "(none)" : op.diff().view();
    }

    /** @return the error's message, or its class name when it has none or its message cannot be read */
    private static String describe(Throwable error) {
        String message = message(error);
        return message != null ? message : error.getClass().getName();
    }

    /** @return the error's class name and message, as {@link Throwable#toString()}, never throwing */
    static String summary(Throwable error) {
        String message = message(error);
        return message != null ? error.getClass().getName() + ": " + message : error.getClass().getName();
    }

    private static @Nullable String message(Throwable error) {
        try {
            return error.getLocalizedMessage();
        } catch (Throwable unreadable) { // a throwable whose message throws must not stop an operation's end
            return null;
        }
    }
}

package dev.durablestash.spring.web.servlet.websocket;

import java.util.Map;

import org.springframework.stereotype.Component;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashTimeoutException;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.core.ViewTurn;

/**
 * A count per browser session that WebSocket code keeps through the engine, with a view of its own:
 * each {@link #add} takes the session's turn at the view, recovers it, adds one and stashes it
 * (durable when it returns). The sid is the one {@link BrowserSidInterceptor} took at the handshake.
 */
@Component
class SocketTally {

    /** A view of its own, named apart from the application's {@code @Stashed} views. */
    static final ViewDefinition TALLY = ViewDefinition.builder("socket-tally").key("count", int.class).build();

    private final StashAdapter stash;

    SocketTally(StashAdapter stash) {
        this.stash = stash;
    }

    /**
     * @param sid the browser session's sid
     * @return the new count
     * @throws IllegalStateException when storage could not be read: nothing derived from the defaults
     *     is stashed
     * @throws StashTimeoutException or another {@code StashWriteException} (in a {@code CompletionException})
     *     when the turn or the stash failed
     */
    @SuppressWarnings("try") // the turn is held by the try block, not used in it
    int add(String sid) {
        try (ViewTurn turn = stash.turn(sid, TALLY).toCompletableFuture().join()) {
            Recovery recovery = stash.recover(sid, TALLY, MountKind.REJOIN).toCompletableFuture().join();
            if (recovery.status() == RecoveryStatus.ERROR) {
                throw new IllegalStateException("the count could not be read", recovery.error().orElse(null));
            }
            Integer stored = recovery.get("count");
            int count = (stored == null ? 0 : stored) + 1;
            stash.stash(sid, TALLY, Map.of("count", count)).toCompletableFuture().join();
            return count;
        }
    }
}

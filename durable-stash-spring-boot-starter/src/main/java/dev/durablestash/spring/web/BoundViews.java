package dev.durablestash.spring.web;

import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.util.ClassUtils;

import dev.durablestash.core.ViewTurn;

/**
 * The views bound to one request or exchange and the turns it holds at atomic views: what the servlet
 * {@code RequestViews} and the reactive {@code ExchangeViews} share. Each of them adapts it to its stack
 * (when views are recovered and stashed, when the turns are handed on); this class keeps the bindings
 * (one per view instance), hands a turn to each atomic view at most once, moves and detaches the
 * bindings when the browser session is rotated or ended, and reports changes no stash will store.
 * Public only so that both integrations can reach it (support code, not an API: see the package
 * description).
 *
 * <p><b>Thread-safety:</b> thread-safe: the bindings are copy-on-write (the end of an exchange may read
 * them while a cancelled bind still adds), and turns may be held and handed on from any thread.
 */
public final class BoundViews {

    private static final Logger log = LoggerFactory.getLogger(BoundViews.class);

    private final List<ViewBinding> bindings = new CopyOnWriteArrayList<>();
    private final Set<String> turnsTaken = ConcurrentHashMap.newKeySet(2);
    private final Queue<ViewTurn> heldTurns = new ConcurrentLinkedQueue<>();

    /** @return the binding of this very instance, or {@code null} when it is not bound */
    public @Nullable ViewBinding find(Object target) {
        for (ViewBinding binding : bindings) {
            if (binding.target() == target) {
                return binding;
            }
        }
        return null;
    }

    /** @return the binding of an instance of this view class, or {@code null} when none is bound */
    public @Nullable ViewBinding find(Class<?> viewClass) {
        Class<?> userClass = ClassUtils.getUserClass(viewClass);
        for (ViewBinding binding : bindings) {
            if (ClassUtils.getUserClass(binding.target()) == userClass) {
                return binding;
            }
        }
        return null;
    }

    /**
     * @param binding a binding just recovered
     * @return the binding of its instance, which is {@code binding} unless the instance was bound meanwhile
     */
    public ViewBinding add(ViewBinding binding) {
        ViewBinding existing = find(binding.target());
        if (existing != null) {
            return existing;
        }
        bindings.add(binding);
        return binding;
    }

    /** @return the bound views, in the order they were bound */
    public List<ViewBinding> all() {
        return List.copyOf(bindings);
    }

    /** @return {@code true} the first time it is asked for this view: the request is to wait for its turn */
    public boolean takesTurn(StashedViewType type) {
        return turnsTaken.add(type.name());
    }

    /** Holds a granted turn until {@link #releaseTurns()}. */
    public void hold(ViewTurn turn) {
        heldTurns.add(turn);
    }

    /** Hands every held turn on; idempotent, callable from any thread. */
    public void releaseTurns() {
        ViewTurn turn;
        while ((turn = heldTurns.poll()) != null) {
            turn.close();
        }
    }

    /** The browser session's id was rotated: later stashes of the bound views go to the new id. */
    public void moveTo(String newSid) {
        for (ViewBinding binding : bindings) {
            binding.moveTo(newSid);
        }
    }

    /**
     * The browser session ended or was replaced: the bound views are dropped, so their changes are never
     * stashed and a view bound later starts from defaults under the next sid.
     */
    public void detach() {
        for (ViewBinding binding : bindings) {
            binding.detach();
        }
        bindings.clear();
    }

    /** @return whether a bound view has changes not stashed yet */
    public boolean hasChanges() {
        for (ViewBinding binding : bindings) {
            if (binding.hasChanges()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Logs an ERROR naming the bound views: their changes will not be stashed.
     *
     * @param where the request's path
     * @param reason why they cannot be stashed any more, and what to do
     */
    public void reportUnstashed(Object where, String reason) {
        log.error("Changes to view(s) {} in {} are NOT stashed: {}", bindings.stream().map(ViewBinding::view).toList(),
                where, reason);
    }
}

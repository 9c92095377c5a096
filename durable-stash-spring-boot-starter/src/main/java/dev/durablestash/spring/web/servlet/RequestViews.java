package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.util.ClassUtils;

import dev.durablestash.core.MountKind;
import dev.durablestash.spring.ViewBinding;

/**
 * The views bound to one request, kept as a request attribute: the controller (when it is a
 * {@code @StashedView}) and any state objects taken as handler arguments. Not thread-safe.
 */
final class RequestViews {

    /** The mount-kind request header. */
    static final String MOUNTS_HEADER = "X-Stash-Mounts";

    /** The mount-kind request parameter. */
    static final String MOUNTS_PARAMETER = "_mounts";

    private static final String ATTRIBUTE = RequestViews.class.getName();

    private final HttpServletRequest request;
    private final StashContext context;
    private final List<ViewBinding> bindings = new ArrayList<>(2);
    private @Nullable MountKind mount;
    private boolean failed;

    private RequestViews(HttpServletRequest request, StashContext context) {
        this.request = request;
        this.context = context;
    }

    static @Nullable RequestViews find(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof RequestViews rv ? rv : null;
    }

    static RequestViews of(HttpServletRequest request, StashContext context) {
        RequestViews rv = find(request);
        if (rv == null) {
            rv = new RequestViews(request, context);
            request.setAttribute(ATTRIBUTE, rv);
        }
        return rv;
    }

    /** Binds (recovering it) an instance, unless it is bound already. */
    ViewBinding bind(Object target) {
        for (ViewBinding binding : bindings) {
            if (binding.target() == target) {
                return binding;
            }
        }
        ViewBinding binding = ViewBinding.recover(context.views().typeOf(target.getClass()), target,
                BrowserSession.of(request).sid(), mount(), context.adapter(), context.operationTimeout());
        bindings.add(binding);
        return binding;
    }

    /** Returns the binding of a state class, making and recovering an instance on first use. */
    ViewBinding bindState(Class<?> stateClass) {
        ViewBinding existing = find(stateClass);
        return existing != null ? existing : bind(BeanUtils.instantiateClass(stateClass));
    }

    @Nullable ViewBinding find(Class<?> viewClass) {
        Class<?> userClass = ClassUtils.getUserClass(viewClass);
        for (ViewBinding binding : bindings) {
            if (ClassUtils.getUserClass(binding.target()) == userClass) {
                return binding;
            }
        }
        return null;
    }

    /** @return {@code false} once a stash failed, and while an error page renders */
    boolean active() {
        return !failed && request.getDispatcherType() != DispatcherType.ERROR;
    }

    boolean hasChanges() {
        for (ViewBinding binding : bindings) {
            if (binding.hasChanges()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Stashes every bound view's changes, waiting until they are durable. Does nothing once a stash
     * of this request failed (the client is told so; nothing is retried behind its back), nor while
     * an error page renders (a handler that threw stashes nothing).
     */
    void stashAll() {
        if (!active()) {
            return;
        }
        try {
            for (ViewBinding binding : bindings) {
                binding.stashNow();
            }
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    List<String> viewNames() {
        return bindings.stream().map(ViewBinding::view).toList();
    }

    private MountKind mount() {
        MountKind kind = mount;
        if (kind == null) {
            String value = request.getHeader(MOUNTS_HEADER);
            if (value == null) {
                value = request.getParameter(MOUNTS_PARAMETER);
            }
            kind = MountKind.fromMounts(value);
            mount = kind;
        }
        return kind;
    }
}

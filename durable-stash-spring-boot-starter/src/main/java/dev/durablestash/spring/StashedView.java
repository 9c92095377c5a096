package dev.durablestash.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names and configures a view: a controller, or a state class taken as a handler-method argument,
 * whose {@link Stashed} fields form one slice of the browser session's stored document. Optional:
 * a class with {@code @Stashed} fields is a view without it, named after the class's simple name,
 * with vsn 1 and atomic. Use it to choose another name (two views in different packages with the
 * same simple name must), to bump the vsn, or to opt out of atomic requests.
 *
 * <p><b>Atomic by default.</b> Within one application instance, the requests of one browser session
 * to one view run recover → handler → stash one at a time, in the order they arrived, so a
 * read-modify-write ({@code count++}) never loses an update. Other views of the session and other
 * sessions are never held up. A handler that binds two views (its controller, its arguments, and
 * those of the {@code @ModelAttribute} methods run before it, on Spring MVC and WebFlux alike) waits
 * for both turns, one after the other, in the order of the views' names, before it binds either.
 * Views bound one by one, where the starter does not look ahead (a forwarded handler's,
 * {@code StashedRoutes.recover} called twice), take their turns in the order they are bound: two
 * requests that bind the same two views that way in opposite orders wait for each other until the
 * operation timeout fails one of them (503), so bind views in one order. Across instances that share
 * storage without sticky routing, rule 3 of the contract applies instead: per-key last write wins, so
 * two read-modify-writes of the same key running at the same moment on two instances can count once.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StashedView {

    /** @return the view name; the class's simple name when empty */
    String name() default "";

    /** @return the version of the view's stored data; bump it when a field's meaning or type changes */
    int vsn() default 1;

    /**
     * Whether the view is atomic: {@code true} (the default) makes the requests of one browser
     * session to this view wait for each other (recover → handler → stash, one at a time, in arrival
     * order). A waiting request fails with the failure status (503) when its turn does not come within
     * the operation timeout.
     *
     * <p>Set {@code false} for long-running handlers (slow calls to other systems, long polling with
     * {@code DeferredResult}), whose requests would otherwise hold up the session's next requests to
     * the view. Such requests run side by side and give up read-modify-write safety: changes to
     * different keys still merge, but of two requests that change the same key at the same time, the
     * later stash wins, and an update made from a stale value is lost.
     *
     * @return {@code false} to let requests of one browser session to this view run concurrently
     */
    boolean atomic() default true;
}

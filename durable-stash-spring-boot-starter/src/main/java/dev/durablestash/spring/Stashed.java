package dev.durablestash.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field as a stored key of its view: recovered into the field before the handler runs,
 * and stashed (when changed) after it returns and before the response is committed.
 *
 * <p>A class with {@code @Stashed} fields is a view, with or without {@link StashedView} (which only
 * adds a name, a vsn or options): by default it is named after the class's simple name, with vsn 1.
 * Such a class must be a Spring MVC controller (the starter gives it request scope, so every request
 * gets its own instance) or a class taken as a handler-method argument (a new instance per request).
 * Anything that would share the field between browsers, or silently never store it, fails at
 * startup with a message naming the class and the field: a static or final {@code @Stashed} field,
 * a bean that is not a controller, a controller declared with a scope other than request, a
 * controller that cannot be given request scope, a handler argument resolved by something else
 * (such as {@code @RequestBody}), and two views with the same name.
 *
 * <p>The field's declared (possibly generic) type is what the stored JSON is recovered as.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Stashed {

    /** @return when the key is recovered; {@link Scope#SESSION} by default */
    Scope scope() default Scope.SESSION;

    /** @return the stored key name; the field name when empty */
    String name() default "";
}

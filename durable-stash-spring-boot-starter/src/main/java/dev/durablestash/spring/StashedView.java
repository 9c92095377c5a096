package dev.durablestash.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a view: a controller, or a state class taken as a handler-method argument, whose
 * {@link Stashed} fields form one slice of the browser session's stored document.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface StashedView {

    /** @return the view name; the class's simple name when empty */
    String name() default "";

    /** @return the version of the view's stored data; bump it when a field's meaning or type changes */
    int vsn() default 1;
}

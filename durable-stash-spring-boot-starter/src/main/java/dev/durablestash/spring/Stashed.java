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

package dev.durablestash.core;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field that may only be touched while holding a lock or on a confinement: {@code "this"}
 * (the object's monitor), {@code "runner"} (tasks of the owning {@link SerialRunner}, one at a
 * time) or {@code "scheduled"} (inside {@link SerialRunner}: the one drain that holds its flag).
 * Documentation only.
 */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.FIELD)
@interface GuardedBy {

    /** @return the lock or confinement */
    String value();
}

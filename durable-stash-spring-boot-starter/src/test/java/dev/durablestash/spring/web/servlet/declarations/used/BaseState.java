package dev.durablestash.spring.web.servlet.declarations.used;

import dev.durablestash.spring.Stashed;

/** A superclass whose {@code @Stashed} field its subclass, a controller, inherits. */
public abstract class BaseState {

    @Stashed String theme;
}

package dev.durablestash.spring.web.servlet.declarations.used;

import dev.durablestash.spring.Stashed;

/** A class with a {@code @Stashed} field, taken as a handler argument. */
public class UsedState {

    @Stashed int visits;
}

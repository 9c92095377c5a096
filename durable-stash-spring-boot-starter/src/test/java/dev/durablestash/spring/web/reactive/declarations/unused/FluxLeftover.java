package dev.durablestash.spring.web.reactive.declarations.unused;

import dev.durablestash.spring.Stashed;

/** A class with a {@code @Stashed} field that no handler or route uses: its field would never be stored. */
public class FluxLeftover {

    @Stashed int count;
}

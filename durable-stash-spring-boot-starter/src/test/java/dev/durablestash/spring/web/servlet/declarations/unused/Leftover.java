package dev.durablestash.spring.web.servlet.declarations.unused;

import dev.durablestash.spring.Stashed;

/** A class with a {@code @Stashed} field that no controller uses: its field would never be stored. */
public class Leftover {

    @Stashed int count;
}

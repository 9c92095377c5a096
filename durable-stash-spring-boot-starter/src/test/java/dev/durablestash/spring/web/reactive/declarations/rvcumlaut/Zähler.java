package dev.durablestash.spring.web.reactive.declarations.rvcumlaut;

import dev.durablestash.spring.Stashed;

/** A view with a non-ASCII class name (legal Java) that only a functional route recovers. */
public class Zähler {

    @Stashed int count;
}

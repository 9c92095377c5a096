package dev.durablestash.spring.web.reactive.testapp;

import dev.durablestash.spring.Stashed;

/** The view of the functional routes. */
public class Tally {

    @Stashed
    int total;
}

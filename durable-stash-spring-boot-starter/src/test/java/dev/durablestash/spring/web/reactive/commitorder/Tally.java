package dev.durablestash.spring.web.reactive.commitorder;

import dev.durablestash.spring.Stashed;

/** The view of {@link CommitOrderTestApplication}'s route. */
public class Tally {

    @Stashed
    public int total;
}

/** The counter app on DurableStash: the count is a {@code @Stashed} field. */
@NullMarked
package dev.durablestash.benchmarks.http.stash;

import org.jspecify.annotations.NullMarked;

/** The counter app on DurableStash with the count in a view taken as a handler-method argument. */
@NullMarked
package dev.durablestash.benchmarks.http.argument;

import org.jspecify.annotations.NullMarked;

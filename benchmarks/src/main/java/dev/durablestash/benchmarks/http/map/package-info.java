/** The counter app on Spring Session with {@code MapSessionRepository}. */
@NullMarked
package dev.durablestash.benchmarks.http.map;

import org.jspecify.annotations.NullMarked;

/** The counter app on Spring Session Data Redis. */
@NullMarked
package dev.durablestash.benchmarks.http.redis;

import org.jspecify.annotations.NullMarked;

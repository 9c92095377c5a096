/**
 * Micrometer metrics of DurableStash.
 */
@NullMarked
package dev.durablestash.spring.metrics;

import org.jspecify.annotations.NullMarked;

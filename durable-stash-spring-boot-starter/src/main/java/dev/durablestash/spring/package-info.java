/**
 * The programming model of the DurableStash Spring Boot starter: {@link dev.durablestash.spring.Stashed}
 * fields on {@link dev.durablestash.spring.StashedView} controllers or state classes, and the
 * {@link dev.durablestash.spring.Stash} handle for explicit control.
 */
@NullMarked
package dev.durablestash.spring;

import org.jspecify.annotations.NullMarked;

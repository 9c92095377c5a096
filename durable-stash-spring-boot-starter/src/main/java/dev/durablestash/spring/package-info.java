/**
 * The programming model of the DurableStash Spring Boot starter: {@link dev.durablestash.spring.Stashed}
 * fields on controllers or handler-argument state classes (optionally named and configured with
 * {@link dev.durablestash.spring.StashedView}), and the {@link dev.durablestash.spring.Stash} handle
 * for explicit control.
 */
@NullMarked
package dev.durablestash.spring;

import org.jspecify.annotations.NullMarked;

/**
 * Spring Boot auto-configuration of DurableStash and its {@code durable-stash.*} properties.
 */
@NullMarked
package dev.durablestash.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;

/**
 * Spring Boot Actuator health of DurableStash's storage: {@link DurableStashHealthAutoConfiguration}.
 */
@NullMarked
package dev.durablestash.spring.health;

import org.jspecify.annotations.NullMarked;

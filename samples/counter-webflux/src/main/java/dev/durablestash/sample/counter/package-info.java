/**
 * The counter-and-draft sample app on Spring WebFlux (reactive Thymeleaf): the Spring MVC sample's
 * pages and behaviour, with handlers that never block.
 */
@NullMarked
package dev.durablestash.sample.counter;

import org.jspecify.annotations.NullMarked;

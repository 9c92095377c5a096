/**
 * Spring WebFlux (reactive) integration: the sid cookie web filter, recovery of views (controllers
 * and state objects with {@code @Stashed} fields) before the handler, stashing before the response
 * is committed, an explicit handle for functional routes, and error statuses. Nothing here blocks
 * a thread: every wait for the engine is a {@code Mono}.
 */
@NullMarked
package dev.durablestash.spring.web.reactive;

import org.jspecify.annotations.NullMarked;

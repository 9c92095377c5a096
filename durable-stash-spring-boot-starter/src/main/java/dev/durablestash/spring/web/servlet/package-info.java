/**
 * Spring MVC (servlet) integration: the sid cookie filter, recovery of views (controllers and state
 * objects with {@code @Stashed} fields), stashing before the response is committed, the startup
 * checks of how views are declared, and error statuses.
 */
@NullMarked
package dev.durablestash.spring.web.servlet;

import org.jspecify.annotations.NullMarked;

/**
 * Spring MVC (servlet) integration: the sid cookie filter, recovery of {@code @StashedView}
 * controllers and state objects, stashing before the response is committed, and error statuses.
 */
@NullMarked
package dev.durablestash.spring.web.servlet;

import org.jspecify.annotations.NullMarked;

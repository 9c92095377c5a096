package dev.durablestash.spring.web.reactive;

import java.time.Duration;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.StashedViews;

/**
 * What the WebFlux integration needs of the application: the engine, the view types, the engine's
 * operation timeout (which bounds every wait of an exchange) and the status of a failed stash.
 * Immutable.
 */
record StashContext(StashAdapter adapter, StashedViews views, Duration operationTimeout, int failureStatus) {
}

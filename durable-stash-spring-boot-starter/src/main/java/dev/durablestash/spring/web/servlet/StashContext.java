package dev.durablestash.spring.web.servlet;

import java.time.Duration;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.web.StashedViews;

/**
 * What the MVC integration needs of the application: the engine, the view types, and the engine's
 * operation timeout (which bounds every blocking wait of a request). Immutable.
 */
record StashContext(StashAdapter adapter, StashedViews views, Duration operationTimeout) {
}

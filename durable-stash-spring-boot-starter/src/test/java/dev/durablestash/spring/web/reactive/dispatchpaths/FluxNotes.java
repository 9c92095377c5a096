package dev.durablestash.spring.web.reactive.dispatchpaths;

import java.util.ArrayList;
import java.util.List;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;

/** A state class the handlers take. */
class FluxNotes {
    @Stashed List<String> notes = new ArrayList<>();
    @Stashed(scope = Scope.RECONNECT) String draft;
}

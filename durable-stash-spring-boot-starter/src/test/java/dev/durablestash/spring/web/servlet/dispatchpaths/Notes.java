package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.util.ArrayList;
import java.util.List;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;

/** A state class the handlers, the advice and a binder method take. */
class Notes {
    @Stashed List<String> notes = new ArrayList<>();
    @Stashed int binderCalls;
    @Stashed(scope = Scope.RECONNECT) String draft;
}

package dev.durablestash.spring.web.servlet.declarations.migrators;

import dev.durablestash.core.ViewDefinition;

/** A view the application defines for the engine itself, which no handler shows. */
public final class EngineViews {

    public static final ViewDefinition COUNTER = ViewDefinition.builder("engineCounter").key("count", int.class)
            .build();

    private EngineViews() {
    }
}

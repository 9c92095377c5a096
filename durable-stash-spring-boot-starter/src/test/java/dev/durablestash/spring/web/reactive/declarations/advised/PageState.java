package dev.durablestash.spring.web.reactive.declarations.advised;

import dev.durablestash.spring.Stashed;

/** A view that only the {@code @ModelAttribute} method of {@link PageController} takes. */
public class PageState {

    @Stashed int visits;
}

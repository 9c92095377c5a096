package dev.durablestash.spring.web.reactive.declarations.rvchelper;

import dev.durablestash.spring.Stashed;

/** A view that a functional route recovers through the application's own helper around StashedRoutes. */
public class HelperView {

    @Stashed int count;
}

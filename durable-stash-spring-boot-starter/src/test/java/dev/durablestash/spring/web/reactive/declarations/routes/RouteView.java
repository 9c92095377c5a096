package dev.durablestash.spring.web.reactive.declarations.routes;

import dev.durablestash.spring.Stashed;

/** A view that only a functional route recovers. */
public class RouteView {

    @Stashed int count;
}

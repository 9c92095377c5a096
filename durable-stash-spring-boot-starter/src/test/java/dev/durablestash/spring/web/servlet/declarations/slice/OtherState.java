package dev.durablestash.spring.web.servlet.declarations.slice;

import dev.durablestash.spring.Stashed;

/** A state class taken as a handler argument only by {@link OtherController}'s package-private method. */
class OtherState {

    @Stashed int visits;
}

package dev.durablestash.spring.web.servlet.testapp;

import java.util.ArrayList;
import java.util.List;

import dev.durablestash.spring.Stashed;

/** A state class taken as a handler argument, with {@code @Stashed} fields and no {@code @StashedView}. */
class Basket {

    @Stashed List<String> items = new ArrayList<>();
}

package dev.durablestash.spring.web.reactive.testapp;

import java.util.ArrayList;
import java.util.List;

import dev.durablestash.spring.Stashed;

/** A view state class taken as a handler-method argument. */
public class Basket {

    @Stashed
    List<String> items = new ArrayList<>();
}

/**
 * The counter-and-draft sample app (Spring MVC + Thymeleaf), the README's programming-model
 * example made runnable.
 */
@NullMarked
package dev.durablestash.sample.counter;

import org.jspecify.annotations.NullMarked;

/**
 * What the counter samples (Spring MVC and WebFlux) show on their pages besides their view: the
 * engine panel's figures and where the state lives. The pages themselves (Thymeleaf templates, CSS,
 * scripts) are this module's resources, shared by both samples.
 */
@NullMarked
package dev.durablestash.sample.pages;

import org.jspecify.annotations.NullMarked;

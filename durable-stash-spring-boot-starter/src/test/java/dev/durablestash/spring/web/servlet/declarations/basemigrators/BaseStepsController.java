package dev.durablestash.spring.web.servlet.declarations.basemigrators;

import org.springframework.web.bind.annotation.GetMapping;

import dev.durablestash.spring.Stashed;

/** An abstract base of views: no view has its name; each subclass is a view of its own name. */
public abstract class BaseStepsController {

    @Stashed int step;

    @GetMapping("/step")
    String show() {
        return Integer.toString(step);
    }
}

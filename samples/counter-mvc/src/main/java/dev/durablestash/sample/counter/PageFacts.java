package dev.durablestash.sample.counter;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;

import jakarta.servlet.http.HttpServletRequest;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/** The facts every page shows around its view ({@link dev.durablestash.sample.pages.PageFacts}), on Spring MVC. */
@Controller
@ControllerAdvice
class PageFacts extends dev.durablestash.sample.pages.PageFacts<HttpServletRequest> {

    private final WriteTimings timings;

    PageFacts(StashAdapter engine, WriteTimings timings, DurableStashProperties properties) {
        super("Spring MVC", engine, properties);
        this.timings = timings;
    }

    @Override
    protected @Nullable Duration lastWrite(HttpServletRequest request) {
        return timings.lastWrite(request);
    }
}

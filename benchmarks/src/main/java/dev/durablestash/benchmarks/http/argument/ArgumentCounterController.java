package dev.durablestash.benchmarks.http.argument;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** The counter as a view argument: recovered before the handler, stashed after it (durably, before the answer). */
@RestController
class ArgumentCounterController {

    /** The view: a plain class with a {@code @Stashed} field. */
    static final class Counter {
        @Stashed int count;
    }

    @PostMapping("/increment")
    String increment(Counter counter) {
        counter.count++;
        return Integer.toString(counter.count);
    }
}

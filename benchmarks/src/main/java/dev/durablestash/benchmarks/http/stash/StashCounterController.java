package dev.durablestash.benchmarks.http.stash;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** The counter: recovered before the handler, stashed after it (durably, before the answer). */
@RestController
class StashCounterController {

    @Stashed int count;

    @PostMapping("/increment")
    String increment() {
        count++;
        return Integer.toString(count);
    }
}

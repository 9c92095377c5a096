package dev.durablestash.spring.web.reactive.viewturns;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Mono;

/** A GET handler that stashes explicitly before it answers, as the guide says (before what depends on it). */
@RestController
public class VisitsController {

    /** An atomic view. */
    public static class Visits {

        @Stashed
        int count;
    }

    @GetMapping("/c/visit")
    Mono<String> visit(Visits visits, ReactiveStash stash) {
        visits.count++;
        return stash.stash().thenReturn("visits=" + visits.count);
    }

    /** The same, held at the gate between its read and its write. */
    @GetMapping("/c/visit-held")
    Mono<String> visitHeld(Visits visits, ReactiveStash stash) {
        int seen = visits.count;
        ViewTurnsApplication.entered.complete(null);
        return Mono.fromFuture(ViewTurnsApplication.released).then(Mono.defer(() -> {
            visits.count = seen + 1;
            return stash.stash().thenReturn("visits=" + visits.count);
        }));
    }

    @GetMapping("/c/show")
    String show(Visits visits) {
        return "visits=" + visits.count;
    }
}

package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Mono;

/** A view controller whose catch-all exception handling would turn any failure into a success. */
@RestController
@RequestMapping("/catching")
public class CatchingController {

    @Stashed
    int count;

    @PostMapping("/increment")
    String increment() {
        count++;
        return String.valueOf(count);
    }

    /** Stashes explicitly; its failure reaches the catch-all below. */
    @PostMapping("/stash-now")
    Mono<String> stashNow(ReactiveStash stash) {
        count++;
        return stash.stash().thenReturn(String.valueOf(count));
    }

    /** Stashes explicitly and swallows the failure itself. */
    @PostMapping("/stash-now-swallowed")
    Mono<String> stashNowSwallowed(ReactiveStash stash) {
        count++;
        return stash.stash().thenReturn("stored").onErrorReturn("swallowed");
    }

    /** Answers every exception of this controller with a success. */
    @RestControllerAdvice(assignableTypes = CatchingController.class)
    static class CatchAll {

        @ExceptionHandler(Exception.class)
        ResponseEntity<String> any(Exception e) {
            return ResponseEntity.ok("caught " + e.getClass().getSimpleName());
        }
    }
}

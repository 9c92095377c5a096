package dev.durablestash.spring.web.reactive.resetapp;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Mono;

/** A WebFlux app whose handlers reset or stash a view explicitly ({@code WebFluxResetAndStashAtCommitTests}). */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class ResetTestApplication {

    /** A view state class taken as a handler-method argument. */
    public static class Shelf {

        @Stashed
        List<String> items = new ArrayList<>();
    }

    @Controller
    @RequestMapping("/rr")
    public static class ResetController {

        @Stashed
        int count;

        @GetMapping
        @ResponseBody
        String show(Shelf shelf) {
            return "count=" + count + ";items=" + shelf.items;
        }

        @PostMapping("/bump")
        @ResponseBody
        String bump(Shelf shelf) {
            count++;
            return "count=" + count;
        }

        /** A first-time user's "start over": the reset fired and forgotten, the response sent at once. */
        @PostMapping("/bump-and-reset")
        @ResponseBody
        Mono<String> bumpAndReset(ReactiveStash stash, Shelf shelf) {
            count++;
            stash.reset().subscribe(v -> { }, e -> { }); // a failure is the exchange's
            return Mono.just("resetting");
        }

        /** "Start over at 5": the reset fired and forgotten, the new value set and stashed explicitly. */
        @PostMapping("/reset-then-set")
        @ResponseBody
        Mono<String> resetThenSet(ReactiveStash stash, Shelf shelf) {
            stash.reset().subscribe(v -> { }, e -> { }); // a failure is the exchange's
            count = 5;
            return stash.stash().thenReturn("count=" + count);
        }

        /** Changes both views, stashes the controller's explicitly (the shelf is left to the commit). */
        @PostMapping("/both-stash-one")
        @ResponseBody
        Mono<String> bothStashOne(ReactiveStash stash, Shelf shelf) {
            count++;
            shelf.items.add("x" + count);
            return stash.stash().thenReturn("count=" + count);
        }
    }
}

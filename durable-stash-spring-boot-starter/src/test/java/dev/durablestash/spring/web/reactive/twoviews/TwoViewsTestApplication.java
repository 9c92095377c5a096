package dev.durablestash.spring.web.reactive.twoviews;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A WebFlux app whose one handler changes two views in the same exchange. */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class TwoViewsTestApplication {

    /** A view state class taken as a handler-method argument. */
    public static class Shelf {

        @Stashed
        List<String> items = new ArrayList<>();
    }

    /** A value whose JSON differs each time it is written (a getter of the time). */
    public static class Ticker {

        public int value;

        public long getNow() {
            return System.nanoTime();
        }
    }

    /** A view state class holding such a value: every stash writes it, however often. */
    public static class TickState {

        @Stashed
        Ticker ticker = new Ticker();
    }

    /** Recovers and stashes a {@link TickState} and changes nothing else. */
    @Controller
    public static class TickController {

        @GetMapping("/tick")
        @ResponseBody
        String tick(TickState state) {
            return "tick " + state.ticker.value;
        }
    }

    /** A state class with a value whose JSON differs on every write and a second, stable key. */
    public static class TickCount {

        @Stashed
        Ticker ticker = new Ticker();

        @Stashed
        int count;
    }

    /** Changes made after the commit of a streamed response, and a reset nobody waits for. */
    @Controller
    @RequestMapping("/late")
    public static class LateChangesController {

        /** A real change to the stable part of the value whose JSON differs on every write. */
        @GetMapping(path = "/tick", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        @ResponseBody
        Flux<String> tick(TickState state) {
            return Flux.just("a").concatWith(Mono.delay(Duration.ofMillis(300)).map(x -> {
                state.ticker.value = 42;
                return "b";
            }));
        }

        /** A change to a stable key beside such a value. */
        @GetMapping(path = "/count", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        @ResponseBody
        Flux<String> count(TickCount state) {
            return Flux.just("a").concatWith(Mono.delay(Duration.ofMillis(300)).map(x -> {
                state.count = 7;
                return "b";
            }));
        }

        /** A reset after the commit, not waited for: in flight when the stream ends. */
        @GetMapping(path = "/reset", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        @ResponseBody
        Flux<String> reset(TickState state, ReactiveStash stash) {
            return Flux.just("a").concatWith(Mono.delay(Duration.ofMillis(300)).map(x -> {
                stash.reset().subscribe();
                return "b";
            }));
        }
    }

    /** A view controller (its own {@code @Stashed} field) that also takes a view state class. */
    @Controller
    @RequestMapping("/two")
    public static class TwoViewsController {

        @Stashed
        int count;

        @GetMapping
        @ResponseBody
        String show(Shelf shelf) {
            return "count=" + count + ";items=" + shelf.items;
        }

        @PostMapping("/add")
        @ResponseBody
        String add(Shelf shelf) {
            count++;
            shelf.items.add("x" + count);
            return "count=" + count + ";items=" + shelf.items;
        }

        /** A stream that stashes each change before sending what depends on it, as the guide says. */
        @GetMapping(path = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        @ResponseBody
        Flux<String> stream(ReactiveStash stash) {
            return Flux.range(1, 10).concatMap(i -> Mono.delay(Duration.ofSeconds(1)).then(Mono.defer(() -> {
                count++;
                return stash.stash().thenReturn("n" + count);
            })));
        }
    }
}

package dev.durablestash.spring.web.reactive.testapp;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A view controller written as for Spring MVC, plus reactive return types. */
@Controller
@RequestMapping("/counter")
public class FluxCounterController {

    @Stashed
    int count;

    @Stashed(scope = Scope.RECONNECT)
    String draft;

    @GetMapping
    @ResponseBody
    String show() {
        return "count=" + count + ";draft=" + draft;
    }

    @PostMapping("/increment")
    String increment() {
        count++;
        return "redirect:/counter";
    }

    @PostMapping("/increment-view")
    String incrementView(org.springframework.ui.Model model) {
        count++;
        model.addAttribute("count", count);
        return "counter";
    }

    @PostMapping("/increment-body")
    @ResponseBody
    String incrementBody() {
        count++;
        return String.valueOf(count);
    }

    /** The change is made while the Mono produces its value, after the handler method returned. */
    @PostMapping("/increment-mono")
    @ResponseBody
    Mono<String> incrementMono() {
        return Mono.fromSupplier(() -> String.valueOf(++count));
    }

    @PostMapping("/increment-entity")
    ResponseEntity<String> incrementEntity() {
        count++;
        return ResponseEntity.status(303).location(URI.create("/counter")).body("see other");
    }

    @PostMapping("/increment-flux")
    @ResponseBody
    Flux<String> incrementFlux() {
        count++;
        return Flux.just("a", "b");
    }

    /**
     * An event stream a page keeps open: the handler method changes the count, and the stream's first
     * event waits at the {@link Gate} (reached once the body is subscribed), as one waiting for something
     * to happen.
     */
    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    Flux<String> events() {
        int seen = ++count;
        return Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(Flux.just("count=" + seen));
    }

    /**
     * A JSON array, not a stream: the count changes while the {@code Flux} is produced, once as it is
     * subscribed and once for each element.
     */
    @PostMapping(path = "/increment-json-flux", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Flux<Integer> incrementJsonFlux() {
        return Flux.defer(() -> {
            count++;
            return Flux.just(1, 2);
        }).map(step -> count += step);
    }

    /** As {@link #incrementJsonFlux()}, as the body of a {@code ResponseEntity}. */
    @PostMapping(path = "/increment-json-entity", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Flux<Integer>> incrementJsonEntity() {
        return ResponseEntity.ok(Flux.just(1, 2).map(step -> count += step));
    }

    /** As {@link #incrementJsonEntity()}, the entity produced by a {@code Mono}. */
    @PostMapping(path = "/increment-json-entity-mono", produces = MediaType.APPLICATION_JSON_VALUE)
    Mono<ResponseEntity<Flux<Integer>>> incrementJsonEntityMono() {
        return Mono.fromSupplier(() -> ResponseEntity.ok(Flux.just(1, 2).map(step -> count += step)));
    }

    /**
     * A JSON array whose only element waits at the {@link Gate} (reached once the body is subscribed),
     * then changes the count.
     */
    @PostMapping(path = "/gated-json-flux", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Flux<Integer> gatedJsonFlux() {
        return Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(Flux.defer(() -> Flux.just(++count)));
    }

    /** A JSON array that changes the count, then fails after its first element. */
    @PostMapping(path = "/failing-json-flux", produces = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    Flux<Integer> failingJsonFlux() {
        count += 100;
        return Flux.just(1).map(step -> count += step).concatWith(Flux.error(
                new ResponseStatusException(HttpStatus.CONFLICT, "the flux failed"))); // 4xx: Boot logs no ERROR
    }

    /** As {@link #events()}, the event stream the body of a {@code ResponseEntity} a {@code Mono} produces. */
    @GetMapping(path = "/events-entity", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Mono<ResponseEntity<Flux<String>>> eventsEntity() {
        int seen = ++count;
        return Mono.fromSupplier(() -> ResponseEntity.ok()
                .body(Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(Flux.just("count=" + seen))));
    }

    /** As {@link #events()}, as JSON lines (application/x-ndjson). */
    @GetMapping(path = "/ndjson", produces = MediaType.APPLICATION_NDJSON_VALUE)
    @ResponseBody
    Flux<String> ndjson() {
        int seen = ++count;
        return Mono.defer(() -> Mono.fromFuture(Gate.pass())).thenMany(Flux.just("count=" + seen));
    }

    @PostMapping("/draft")
    @ResponseBody
    Mono<String> draft(org.springframework.web.server.ServerWebExchange exchange) {
        return exchange.getFormData().map(form -> {
            draft = form.getFirst("draft");
            return "draft=" + draft;
        });
    }

    /** Counts a form post, and answers its field {@code f} and the draft it sees. */
    @PostMapping("/form")
    @ResponseBody
    Mono<String> form(org.springframework.web.server.ServerWebExchange exchange) {
        return exchange.getFormData().map(form -> {
            count++;
            return "count=" + count + ";f=" + form.getFirst("f") + ";draft=" + draft;
        });
    }

    /** Holds the view's turn at the {@link Gate}, without blocking a thread. */
    @PostMapping("/gated-increment")
    @ResponseBody
    Mono<String> gatedIncrement() {
        count++;
        return Mono.fromFuture(Gate.pass()).then(Mono.fromSupplier(() -> String.valueOf(count)));
    }

    @PostMapping("/fail")
    @ResponseBody
    String fail() {
        count = 1000;
        throw new ResponseStatusException(HttpStatus.CONFLICT, "the handler failed"); // 4xx: Boot logs no ERROR
    }

    @PostMapping("/reset")
    @ResponseBody
    Mono<String> reset(ReactiveStash stash) {
        return stash.reset().then(Mono.fromSupplier(() -> "count=" + count + ";" + stash.status()));
    }
}

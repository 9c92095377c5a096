package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

import reactor.core.publisher.Mono;

/** A non-atomic view whose exchanges can be held at the {@link Gate}, to run two at once. */
@RestController
@RequestMapping("/hold")
@StashedView(atomic = false)
public class HoldController {

    @Stashed
    String note;

    /** Sets the field, waits at the gate when asked to, then answers what the field holds. */
    @PostMapping
    Mono<String> set(@RequestParam String note, @RequestParam(defaultValue = "false") boolean hold) {
        this.note = note;
        Mono<Void> wait = hold ? Mono.fromFuture(Gate.pass()) : Mono.empty();
        return wait.then(Mono.fromSupplier(() -> this.note + "@" + System.identityHashCode(this)));
    }
}

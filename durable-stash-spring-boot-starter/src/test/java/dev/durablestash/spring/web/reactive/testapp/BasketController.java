package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** A singleton controller (no @Stashed fields) that takes a view state class. */
@RestController
@RequestMapping("/basket")
public class BasketController {

    @GetMapping
    String show(Basket basket) {
        return basket.items.toString();
    }

    @PostMapping
    String add(Basket basket, @RequestParam String item) {
        basket.items.add(item);
        return basket.items.toString();
    }

    /** Adds an item, then waits at the {@link Gate}, holding the basket's turn, before it answers. */
    @PostMapping("/held")
    Mono<String> addHeld(Basket basket) {
        basket.items.add("held");
        return Mono.fromFuture(Gate.pass()).then(Mono.fromSupplier(() -> basket.items.toString()));
    }
}

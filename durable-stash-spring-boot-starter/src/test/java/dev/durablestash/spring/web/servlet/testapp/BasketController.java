package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;

/** A singleton controller whose state lives in a {@link Basket} argument. */
@RestController
class BasketController {

    @GetMapping("/basket")
    String show(Basket basket, Stash stash) {
        return basket.items + ";" + stash.view() + ":" + stash.status();
    }

    @PostMapping("/basket/add")
    String add(Basket basket, @RequestParam String item) {
        basket.items.add(item);
        return basket.items.toString();
    }
}

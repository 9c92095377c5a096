package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Handlers that take the same two atomic state classes as arguments, in one order and in the other. */
@RestController
public class TwoViewsController {

    @PostMapping("/two-views/basket-first")
    String basketFirst(Basket basket, Tally tally) {
        return add(basket, tally, "basket-first");
    }

    @PostMapping("/two-views/tally-first")
    String tallyFirst(Tally tally, Basket basket) {
        return add(basket, tally, "tally-first");
    }

    private static String add(Basket basket, Tally tally, String item) {
        basket.items.add(item);
        tally.total++;
        return basket.items.size() + ";" + tally.total;
    }
}

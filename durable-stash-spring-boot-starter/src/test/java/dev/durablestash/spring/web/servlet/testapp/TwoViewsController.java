package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** Handlers that take the same two atomic state classes as arguments, in one order and in the other. */
@RestController
class TwoViewsController {

    @PostMapping("/two-views/basket-first")
    String basketFirst(Basket basket, Preferences prefs) {
        return add(basket, prefs, "basket-first");
    }

    @PostMapping("/two-views/prefs-first")
    String prefsFirst(Preferences prefs, Basket basket) {
        return add(basket, prefs, "prefs-first");
    }

    private static String add(Basket basket, Preferences prefs, String item) {
        basket.items.add(item);
        prefs.recent.add(item);
        return basket.items.size() + ";" + prefs.recent.size();
    }
}

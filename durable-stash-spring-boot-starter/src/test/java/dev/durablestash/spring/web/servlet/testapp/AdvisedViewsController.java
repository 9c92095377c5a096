package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes the {@link Basket} after a {@code @ModelAttribute} method of
 * {@link PreferencesAdvice} took the {@link Preferences}: the two views bound in the opposite order of
 * {@link TwoViewsController}'s basket-first handler.
 */
@RestController
class AdvisedViewsController {

    @PostMapping("/advised-views/basket")
    String basket(Basket basket, Model model) {
        basket.items.add("advised");
        return basket.items.size() + ";" + model.getAttribute("recent");
    }
}

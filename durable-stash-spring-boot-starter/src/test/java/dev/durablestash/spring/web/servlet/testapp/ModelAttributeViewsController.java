package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes the {@link Basket} after its controller's {@code @ModelAttribute} method took the
 * {@link Preferences}: the two views bound in the opposite order of {@link TwoViewsController}'s
 * basket-first handler. The method waits at the {@link Gate} once it has the preferences.
 */
@RestController
class ModelAttributeViewsController {

    @ModelAttribute("recent")
    int recent(Preferences prefs) {
        prefs.recent.add("model-attribute");
        Gate.pass();
        return prefs.recent.size();
    }

    @PostMapping("/model-attribute-views/basket")
    String basket(Basket basket, Model model) {
        basket.items.add("model-attribute");
        return basket.items.size() + ";" + model.getAttribute("recent");
    }
}

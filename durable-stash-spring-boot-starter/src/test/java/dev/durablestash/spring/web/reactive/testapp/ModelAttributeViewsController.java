package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes the {@link Tally} while its controller's {@code @ModelAttribute} method takes the
 * {@link Basket}. WebFlux binds the handler's arguments before it invokes the {@code @ModelAttribute}
 * methods, so, bound one by one, the two views are bound in the opposite order of
 * {@link TwoViewsController}'s basket-first handler.
 */
@RestController
public class ModelAttributeViewsController {

    @ModelAttribute("items")
    int items(Basket basket) {
        basket.items.add("model-attribute");
        return basket.items.size();
    }

    @PostMapping("/model-attribute-views/tally")
    String tally(Tally tally, Model model) {
        tally.total++;
        return model.getAttribute("items") + ";" + tally.total;
    }
}

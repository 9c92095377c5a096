package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes the {@link Tally} while a {@code @ModelAttribute} method of {@link BasketAdvice}
 * takes the {@link Basket}: bound one by one, the handler's argument first, the two views are bound in the
 * opposite order of {@link TwoViewsController}'s basket-first handler.
 */
@RestController
public class AdvisedViewsController {

    @PostMapping("/advised-views/tally")
    String tally(Tally tally, Model model) {
        tally.total++;
        return model.getAttribute("items") + ";" + tally.total;
    }
}

package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes no view itself, while its controller's {@code @ModelAttribute} methods take the
 * {@link Tally} and the {@link Basket}. WebFlux invokes them together: bound one by one, the free turn is
 * taken while the other is waited for, whatever the order of the methods.
 */
@RestController
public class ModelAttributesOnlyController {

    @ModelAttribute("total")
    int total(Tally tally) {
        tally.total++;
        return tally.total;
    }

    @ModelAttribute("items")
    int items(Basket basket) {
        basket.items.add("model-attributes-only");
        return basket.items.size();
    }

    @PostMapping("/model-attributes-only/both")
    String both(Model model) {
        return model.getAttribute("items") + ";" + model.getAttribute("total");
    }
}

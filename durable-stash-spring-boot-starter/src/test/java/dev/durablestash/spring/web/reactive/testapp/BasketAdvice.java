package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Takes the {@link Basket} in a {@code @ModelAttribute} method for {@link AdvisedViewsController} only. */
@ControllerAdvice(assignableTypes = AdvisedViewsController.class)
class BasketAdvice {

    @ModelAttribute("items")
    int items(Basket basket) {
        basket.items.add("advised");
        return basket.items.size();
    }
}

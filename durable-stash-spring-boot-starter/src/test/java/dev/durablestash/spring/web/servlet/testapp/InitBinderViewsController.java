package dev.durablestash.spring.web.servlet.testapp;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A handler that takes the {@link Basket} after its controller's {@code @InitBinder} method, which Spring
 * MVC invokes to convert the {@code n} parameter before it, took the {@link Preferences}: the two views
 * bound in the opposite order of {@link TwoViewsController}'s basket-first handler. The method waits at
 * the {@link Gate} once it has the preferences (once per request: Spring MVC may make several binders).
 */
@RestController
class InitBinderViewsController {

    private static final String RECENT = InitBinderViewsController.class.getName() + ".recent";

    @InitBinder
    void init(WebDataBinder binder, Preferences prefs, HttpServletRequest request) {
        if (request.getAttribute(RECENT) == null) {
            prefs.recent.add("init-binder");
            request.setAttribute(RECENT, prefs.recent.size());
            Gate.pass();
        }
    }

    @PostMapping("/init-binder-views/basket")
    String basket(@RequestParam int n, Basket basket, HttpServletRequest request) {
        basket.items.add("init-binder");
        return basket.items.size() + ";" + request.getAttribute(RECENT);
    }
}

package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * Takes the {@link Preferences} in a {@code @ModelAttribute} method for {@link AdvisedViewsController}
 * only, and waits at the {@link Gate} once it has them.
 */
@ControllerAdvice(assignableTypes = AdvisedViewsController.class)
class PreferencesAdvice {

    @ModelAttribute("recent")
    int recent(Preferences prefs) {
        prefs.recent.add("advised");
        Gate.pass();
        return prefs.recent.size();
    }
}

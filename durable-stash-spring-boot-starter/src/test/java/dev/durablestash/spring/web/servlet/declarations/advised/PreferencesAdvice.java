package dev.durablestash.spring.web.servlet.declarations.advised;

import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/** Puts the theme of the {@link AdvisedPreferences} into the model of every handler. */
@ControllerAdvice
public class PreferencesAdvice {

    @ModelAttribute("theme")
    String theme(AdvisedPreferences prefs) {
        return prefs.theme;
    }
}

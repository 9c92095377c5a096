package dev.durablestash.spring.web.servlet.declarations.advised;

import dev.durablestash.spring.Stashed;

/** A view that only a {@code @ModelAttribute} method of {@link PreferencesAdvice} takes. */
public class AdvisedPreferences {

    @Stashed String theme = "light";
}

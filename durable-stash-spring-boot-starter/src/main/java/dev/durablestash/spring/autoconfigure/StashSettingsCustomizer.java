package dev.durablestash.spring.autoconfigure;

import dev.durablestash.core.StashSettings;

/**
 * Customizes the auto-configured {@link StashSettings} after the {@code durable-stash.*}
 * properties were applied: declare beans of this type to set what has no property, e.g. the
 * executor, the clock or the {@code JsonMapper}. Applied in {@link org.springframework.core.annotation.Order order}.
 */
@FunctionalInterface
public interface StashSettingsCustomizer {

    /** @param builder the builder, with the properties already applied */
    void customize(StashSettings.Builder builder);
}

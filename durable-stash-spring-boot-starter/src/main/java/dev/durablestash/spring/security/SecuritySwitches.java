package dev.durablestash.spring.security;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/**
 * The conditions on the switches of {@code durable-stash.security}, which read them as
 * {@link DurableStashProperties} binds them: a value Spring Boot reads as a boolean ({@code on},
 * {@code yes}, {@code 1}, ...) means what the bound properties say, and an unset switch is on, their
 * default. A value that is no boolean fails startup naming the property.
 */
final class SecuritySwitches {

    private static final String PREFIX = "durable-stash.security";

    private SecuritySwitches() {
    }

    /**
     * @param unset the switch's default, as {@link DurableStashProperties.Security} has it
     * @throws org.springframework.boot.context.properties.bind.BindException if the value is no boolean
     */
    private static ConditionOutcome outcome(ConditionContext context, String name, boolean unset) {
        boolean on = Binder.get(context.getEnvironment()).bind(PREFIX + "." + name, Boolean.class).orElse(unset);
        return new ConditionOutcome(on, PREFIX + "." + name + " is " + on);
    }

    /** Matches when {@code durable-stash.security.rotate-on-login} is on. */
    static final class RotateOnLogin extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, "rotate-on-login", new DurableStashProperties.Security().isRotateOnLogin());
        }
    }

    /** Matches when {@code durable-stash.security.end-on-logout} is on. */
    static final class EndOnLogout extends SpringBootCondition {

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return outcome(context, "end-on-logout", new DurableStashProperties.Security().isEndOnLogout());
        }
    }
}

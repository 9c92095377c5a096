package dev.durablestash.testing.autoconfigure;

import java.util.Locale;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when {@code durable-stash.storage.type} is {@code memory}, or is unset while no
 * {@code durable-stash.storage.s3.bucket} is set. Property names are bound the relaxed way, so
 * {@code DURABLE_STASH_STORAGE_TYPE} counts too.
 */
final class OnInMemoryStorageCondition extends SpringBootCondition {

    static final String TYPE = "durable-stash.storage.type";

    static final String BUCKET = "durable-stash.storage.s3.bucket";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Binder binder = Binder.get(context.getEnvironment());
        String type = binder.bind(TYPE, String.class).orElse(null);
        if (StringUtils.hasText(type)) {
            String message = TYPE + " is " + type;
            return "memory".equals(type.trim().toLowerCase(Locale.ROOT)) ? ConditionOutcome.match(message)
                    : ConditionOutcome.noMatch(message);
        }
        String bucket = binder.bind(BUCKET, String.class).orElse(null);
        return StringUtils.hasText(bucket) ? ConditionOutcome.noMatch(BUCKET + " is set, so the storage is S3")
                : ConditionOutcome.match("no storage is configured (" + TYPE + " and " + BUCKET + " are unset)");
    }
}

package dev.durablestash.spring.autoconfigure;

import java.util.Map;
import java.util.Objects;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition behind {@link ConditionalOnStorageType}. */
final class OnStorageTypeCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        Map<String, Object> attributes = Objects.requireNonNull(
                metadata.getAnnotationAttributes(ConditionalOnStorageType.class.getName()));
        DurableStashProperties.StorageType wanted = (DurableStashProperties.StorageType) attributes.get("value");
        DurableStashProperties.StorageType actual = resolve(Binder.get(context.getEnvironment()));
        String message = "durable-stash.storage.type resolves to " + actual;
        return actual == wanted ? ConditionOutcome.match(message) : ConditionOutcome.noMatch(message);
    }

    static DurableStashProperties.StorageType resolve(Binder binder) {
        DurableStashProperties.Storage storage = new DurableStashProperties.Storage();
        binder.bind("durable-stash.storage.type", DurableStashProperties.StorageType.class).ifBound(storage::setType);
        binder.bind("durable-stash.storage.s3.bucket", String.class).ifBound(storage.getS3()::setBucket);
        return storage.resolvedType();
    }
}

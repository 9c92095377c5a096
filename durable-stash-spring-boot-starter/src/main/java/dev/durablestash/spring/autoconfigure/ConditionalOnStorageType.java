package dev.durablestash.spring.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.context.annotation.Conditional;

/** Matches when {@code durable-stash.storage.type} resolves to the given type (see {@link DurableStashProperties.Storage#resolvedType()}). */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Conditional(OnStorageTypeCondition.class)
@interface ConditionalOnStorageType {

    DurableStashProperties.StorageType value();
}

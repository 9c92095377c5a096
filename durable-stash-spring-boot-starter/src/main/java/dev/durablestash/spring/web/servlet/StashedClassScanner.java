package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Field;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.util.ClassUtils;

import dev.durablestash.spring.Stashed;

/**
 * Finds the classes under some packages that declare {@link Stashed} fields: reads every class file
 * there (as component scanning does), then loads each class without initialising it and looks at
 * its declared fields. A class that cannot be loaded (a missing optional dependency) is skipped.
 */
final class StashedClassScanner {

    private final ClassLoader classLoader;
    private final ClassPathScanningCandidateComponentProvider scanner;

    StashedClassScanner(@Nullable ClassLoader classLoader, Environment environment) {
        this.classLoader = classLoader != null ? classLoader : ClassUtils.getDefaultClassLoader();
        this.scanner = new ClassPathScanningCandidateComponentProvider(false, environment) {
            @Override
            protected boolean isCandidateComponent(AnnotatedBeanDefinition beanDefinition) {
                return true; // every class: nested, abstract and plain ones too
            }
        };
        scanner.setResourceLoader(new DefaultResourceLoader(this.classLoader));
        scanner.addIncludeFilter((reader, factory) -> true);
    }

    /** @return the classes under the packages (and their sub-packages) that declare {@code @Stashed} fields */
    Set<Class<?>> classesWithStashedFields(List<String> packages) {
        Set<Class<?>> result = new LinkedHashSet<>();
        for (String basePackage : packages) {
            for (BeanDefinition candidate : scanner.findCandidateComponents(basePackage)) {
                Class<?> type = load(candidate.getBeanClassName());
                if (type != null && declaresStashedFields(type)) {
                    result.add(type);
                }
            }
        }
        return result;
    }

    private @Nullable Class<?> load(@Nullable String className) {
        if (className == null) {
            return null;
        }
        try {
            return Class.forName(className, false, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    private static boolean declaresStashedFields(Class<?> type) {
        try {
            for (Field field : type.getDeclaredFields()) {
                if (field.isAnnotationPresent(Stashed.class)) {
                    return true;
                }
            }
            return false;
        } catch (LinkageError e) {
            return false; // a field type that is not on the classpath
        }
    }
}

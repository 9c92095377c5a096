package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.RequestMapping;

import dev.durablestash.spring.Stashed;

/**
 * Finds the classes under some packages that declare {@link Stashed} fields, and the controllers
 * there with their handler-argument types: reads every class file (as component scanning does), then
 * loads each class without initialising it and looks at its declared fields and methods. A class that
 * cannot be loaded (a missing optional dependency) is skipped.
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

    /**
     * What the scan found under some packages (and their sub-packages).
     *
     * @param withStashedFields the classes that declare {@code @Stashed} fields
     * @param controllersAndArguments the classes annotated as controllers, and the parameter types of
     *     their request-mapping methods, whether or not this context made them beans (a test slice
     *     makes only some controllers)
     */
    record Scan(Set<Class<?>> withStashedFields, Set<Class<?>> controllersAndArguments) {
    }

    Scan scan(List<String> packages) {
        Set<Class<?>> withStashedFields = new LinkedHashSet<>();
        Set<Class<?>> controllersAndArguments = new LinkedHashSet<>();
        for (String basePackage : packages) {
            for (BeanDefinition candidate : scanner.findCandidateComponents(basePackage)) {
                Class<?> type = load(candidate.getBeanClassName());
                if (type == null) {
                    continue;
                }
                if (declaresStashedFields(type)) {
                    withStashedFields.add(type);
                }
                addIfController(type, controllersAndArguments);
            }
        }
        return new Scan(withStashedFields, controllersAndArguments);
    }

    private static void addIfController(Class<?> type, Set<Class<?>> controllersAndArguments) {
        try {
            if (!AnnotatedElementUtils.hasAnnotation(type, Controller.class)) {
                return;
            }
            controllersAndArguments.add(type);
            for (Method method : ReflectionUtils.getAllDeclaredMethods(type)) {
                if (AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class)) {
                    controllersAndArguments.addAll(List.of(method.getParameterTypes()));
                }
            }
        } catch (LinkageError e) {
            // a type that is not on the classpath: not a controller this application can run
        }
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

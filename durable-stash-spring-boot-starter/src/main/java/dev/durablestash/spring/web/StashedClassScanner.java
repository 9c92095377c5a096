package dev.durablestash.spring.web;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RequestMapping;

import dev.durablestash.spring.Stashed;

/**
 * Finds the classes under the application's packages that declare {@link Stashed} fields but that no
 * handler uses, and fails startup for them, for the servlet and the reactive integrations alike
 * ({@link #refuseUnused}). It reads every class file (as component scanning does), then loads each class
 * without initialising it and looks at its declared fields and methods. A class that cannot be loaded (a
 * missing optional dependency) is skipped.
 *
 * <p>Support code shared by the starter's web packages, not an API for applications.
 *
 * <p><b>Thread-safety:</b> not thread-safe; used once, at startup.
 */
public final class StashedClassScanner {

    /** The class whose users recover view classes in WebFlux functional routes, as a class file names it. */
    private static final String ROUTES = "dev/durablestash/spring/web/reactive/StashedRoutes";

    /** The engine's view definition, as a class file names it: a class that builds views of its own. */
    private static final String VIEW_DEFINITION = "dev/durablestash/core/ViewDefinition";

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
     *     their request-mapping, {@code @ModelAttribute} and {@code @InitBinder} methods and of those of the
     *     classes annotated {@code @ControllerAdvice}, whether or not this context made them beans (a test
     *     slice makes only some controllers)
     * @param routeDefinitions the class files (as ISO-8859-1 text) that name {@code StashedRoutes}, or a
     *     class of the scanned packages that names it (the application's helper around it): the view classes
     *     they name are recovered by functional routes
     * @param viewDefinitions the class files that name the engine's {@code ViewDefinition}: they may build
     *     views of their own
     */
    record Scan(Set<Class<?>> withStashedFields, Set<Class<?>> controllersAndArguments, List<String> routeDefinitions,
            List<String> viewDefinitions) {

        /**
         * @param viewName a view name
         * @return whether a class that names {@code StashedRoutes} (or a helper around it) or the engine's
         *     {@code ViewDefinition} names it: as a string ({@code ViewDefinition.builder("counter")}), or as the
         *     simple name of a class it names ({@code stashes.recover(request, Counter.class)}), so a view may
         *     exist that no handler shows
         */
        boolean mayDefine(String viewName) {
            String asString = constant(viewName);
            return Stream.concat(routeDefinitions.stream(), viewDefinitions.stream()).anyMatch(text ->
                    text.contains(asString) || text.contains("/" + viewName + ";") || text.contains("$" + viewName
                            + ";"));
        }

        /** @return whether a class that names {@code StashedRoutes} also names the type (a class literal) */
        boolean namedByRoutes(Class<?> type) {
            String internalName = type.getName().replace('.', '/');
            String asConstant = constant(internalName); // a class literal's CONSTANT_Utf8 entry
            String asDescriptor = constant("L" + internalName + ";").substring(2); // inside a signature
            return routeDefinitions.stream().anyMatch(text -> text.contains(asConstant) || text.contains(asDescriptor));
        }

        /**
         * @return a class file's {@code CONSTANT_Utf8} entry for the text (its byte count, then the text in
         *     modified UTF-8), each byte as one ISO-8859-1 character, as the class files are read
         */
        static String constant(String text) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(text); // exactly the class file's encoding: length-prefixed modified UTF-8
            } catch (IOException e) {
                throw new IllegalStateException("class name too long for a class file: " + text, e);
            }
            return new String(bytes.toByteArray(), StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Fails startup for a class under the application's packages ({@link AutoConfigurationPackages}) that
     * declares {@code @Stashed} fields but is none of the used view classes, nor a superclass of one, nor a
     * class annotated as a controller there or a parameter type of one's request-mapping,
     * {@code @ModelAttribute} or {@code @InitBinder} methods, or of those of a class annotated
     * {@code @ControllerAdvice} there (a test slice makes only some controllers beans), nor named by a class
     * that uses WebFlux's {@code StashedRoutes} (a view of a functional route): its fields would never be
     * recovered or stored. Does nothing when the application has no such packages registered.
     *
     * @param factory the application's bean factory
     * @param environment the application's environment
     * @param used the view classes the handlers and beans use (controllers, arguments of handlers and of their
     *     {@code @ModelAttribute} and {@code @InitBinder} methods, beans)
     * @return what the scan found, or {@code null} when the application has no such packages registered
     * @throws IllegalStateException naming the first unused class and its {@code @Stashed} fields
     */
    static @Nullable Scan refuseUnused(ConfigurableListableBeanFactory factory, Environment environment,
            Set<Class<?>> used) {
        if (!AutoConfigurationPackages.has(factory)) {
            return null;
        }
        Scan scan = new StashedClassScanner(factory.getBeanClassLoader(), environment)
                .scan(AutoConfigurationPackages.get(factory));
        for (Class<?> type : scan.withStashedFields()) {
            if (used.stream().noneMatch(type::isAssignableFrom)
                    && scan.controllersAndArguments().stream().noneMatch(type::isAssignableFrom)
                    && !scan.namedByRoutes(type)) {
                throw unused(type);
            }
        }
        return scan;
    }

    private static IllegalStateException unused(Class<?> type) {
        return new IllegalStateException("Class " + type.getName() + " has " + ViewFields.describe(type)
                + ", but it is neither a controller nor taken as a handler-method argument (nor a superclass of "
                + "one), nor as an argument of a @ModelAttribute or @InitBinder method, so its fields would never be "
                + "recovered or stored. Make it a @Controller, take it as a handler-method argument, or remove "
                + "@Stashed. A view of WebFlux functional routes counts as used when a class that uses "
                + "StashedRoutes (or a class of the application that does) names it, as "
                + "in stashes.recover(request, " + type.getSimpleName() + ".class); one whose class reaches the "
                + "routes some other way (a variable, a helper two levels deep) is not seen: name "
                + type.getSimpleName() + ".class in the class that defines the routes.");
    }

    Scan scan(List<String> packages) {
        Set<Class<?>> withStashedFields = new LinkedHashSet<>();
        Set<Class<?>> controllersAndArguments = new LinkedHashSet<>();
        Map<String, String> classFiles = new LinkedHashMap<>();
        for (String basePackage : packages) {
            for (BeanDefinition candidate : scanner.findCandidateComponents(basePackage)) {
                Class<?> type = load(candidate.getBeanClassName());
                if (type == null) {
                    continue;
                }
                if (declaresStashedFields(type)) {
                    withStashedFields.add(type);
                }
                addIfControllerOrAdvice(type, controllersAndArguments);
                String text = classFile(candidate);
                if (text != null) {
                    classFiles.put(type.getName().replace('.', '/'), text);
                }
            }
        }
        List<String> viewDefinitions = classFiles.values().stream().filter(text -> text.contains(VIEW_DEFINITION))
                .toList();
        return new Scan(withStashedFields, controllersAndArguments, routeDefinitions(classFiles), viewDefinitions);
    }

    /**
     * @return the class files that name {@code StashedRoutes}, or one of the application's classes that
     *     does (a helper around it, one level deep)
     */
    private static List<String> routeDefinitions(Map<String, String> classFiles) {
        List<String> helpers = new ArrayList<>();
        classFiles.forEach((name, text) -> {
            if (text.contains(ROUTES)) {
                helpers.add(Scan.constant(name));
                helpers.add(Scan.constant("L" + name + ";").substring(2));
            }
        });
        List<String> routeDefinitions = new ArrayList<>();
        for (String text : classFiles.values()) {
            if (text.contains(ROUTES) || helpers.stream().anyMatch(text::contains)) {
                routeDefinitions.add(text);
            }
        }
        return routeDefinitions;
    }

    /** @return the candidate's class file, each byte as one ISO-8859-1 character, or {@code null} */
    private static @Nullable String classFile(BeanDefinition candidate) {
        Resource resource = candidate instanceof AbstractBeanDefinition definition ? definition.getResource() : null;
        if (resource == null) {
            return null;
        }
        try (InputStream in = resource.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return null; // not readable again: it names no route views
        }
    }

    /**
     * Adds a class annotated as a controller and the parameter types of its request-mapping,
     * {@code @ModelAttribute} and {@code @InitBinder} methods, or those of a class annotated
     * {@code @ControllerAdvice}.
     */
    private static void addIfControllerOrAdvice(Class<?> type, Set<Class<?>> controllersAndArguments) {
        try {
            boolean controller = AnnotatedElementUtils.hasAnnotation(type, Controller.class);
            if (!controller && !AnnotatedElementUtils.hasAnnotation(type, ControllerAdvice.class)) {
                return;
            }
            if (controller) {
                controllersAndArguments.add(type);
            }
            for (Method method : ReflectionUtils.getAllDeclaredMethods(type)) {
                if (AnnotatedElementUtils.hasAnnotation(method, RequestMapping.class)
                        || AnnotatedElementUtils.hasAnnotation(method, ModelAttribute.class)
                        || AnnotatedElementUtils.hasAnnotation(method, InitBinder.class)) {
                    for (int i = 0; i < method.getParameterCount(); i++) {
                        // as the controller sees it: a method of a generic base class takes V, the view class
                        controllersAndArguments.add(ResolvableType.forMethodParameter(method, i, type)
                                .resolve(method.getParameterTypes()[i]));
                    }
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

package dev.durablestash.spring.web;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

import dev.durablestash.core.Migrator;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ValueJson;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.ViewMigrator;

/**
 * The views of an application, the classes with {@link Stashed} fields (optionally annotated with
 * {@link StashedView}): builds each class's {@link ViewDefinition} once, from its {@code @Stashed}
 * fields (their generic types are what values are recovered as), and attaches the
 * {@link ViewMigrator} beans by view name.
 *
 * <p><b>Thread-safety:</b> thread-safe; one instance per application (a bean).
 */
public final class StashedViews {

    private static final ClassValue<Boolean> IS_VIEW = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            if (AnnotationUtils.findAnnotation(type, StashedView.class) != null) {
                return true;
            }
            try {
                return !stashedFields(type).isEmpty();
            } catch (LinkageError e) {
                return false; // a field's type is missing from the classpath: not a class of ours to recover
            }
        }
    };

    private final ValueJson json;
    private final Map<String, Migrator> migrators;
    private final ConcurrentMap<Class<?>, StashedViewType> types = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Class<?>> classesByName = new ConcurrentHashMap<>();

    /**
     * @param settings the engine's settings: fields are compared (to find the changed ones) and
     *     defaults restored through the JSON the engine stores values as ({@link ValueJson})
     * @param migrators the migrators, at most one per view
     * @throws IllegalStateException if two migrators name the same view
     */
    public StashedViews(StashSettings settings, Collection<? extends ViewMigrator> migrators) {
        this.json = ValueJson.of(settings);
        Map<String, Migrator> byView = new HashMap<>();
        for (ViewMigrator migrator : migrators) {
            Migrator previous = byView.putIfAbsent(migrator.view(), migrator);
            if (previous != null) {
                throw new IllegalStateException("two ViewMigrator beans for view '" + migrator.view() + "': "
                        + previous + " and " + migrator);
            }
        }
        this.migrators = Map.copyOf(byView);
    }

    /**
     * Whether a class is a view: it has {@link Stashed} fields (declared on it or on a superclass)
     * or is annotated with {@link StashedView}. {@code @Stashed} fields alone make a view; the
     * annotation only adds a name, a vsn or options. Cached per class.
     *
     * @param type a class, possibly a CGLIB subclass of the user's class
     * @return {@code true} if the (user) class is a view
     */
    public static boolean isStashedView(Class<?> type) {
        return IS_VIEW.get(ClassUtils.getUserClass(type));
    }

    /**
     * @param type a class, possibly a CGLIB subclass of the user's class
     * @return the {@link Stashed} fields of the (user) class and its superclasses, superclasses'
     *     first, including static and final ones (which {@link #definitionOf} rejects); empty if none
     */
    public static List<Field> stashedFields(Class<?> type) {
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = ClassUtils.getUserClass(type); c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.add(0, c);
        }
        List<Field> result = new ArrayList<>();
        for (Class<?> c : hierarchy) {
            for (Field field : c.getDeclaredFields()) {
                if (field.isAnnotationPresent(Stashed.class)) {
                    result.add(field);
                }
            }
        }
        return result;
    }

    /**
     * @param type a view class (see {@link #isStashedView}), possibly a CGLIB subclass of it
     * @return its view name: {@link StashedView#name()}, or the class's simple name
     * @throws IllegalArgumentException if the class is not a view
     */
    public static String viewName(Class<?> type) {
        Class<?> userClass = ClassUtils.getUserClass(type);
        if (!isStashedView(userClass)) {
            throw new IllegalArgumentException(userClass.getName()
                    + " is not a view: it has no @Stashed fields and no @StashedView annotation");
        }
        StashedView annotation = AnnotationUtils.findAnnotation(userClass, StashedView.class);
        return annotation == null || annotation.name().isEmpty() ? userClass.getSimpleName() : annotation.name();
    }

    /**
     * Checks a view class and gives the definition the engine stores it under.
     *
     * @param type a view class (see {@link #isStashedView}), possibly a CGLIB subclass of it
     * @return its view definition, built on first use and cached
     * @throws IllegalArgumentException if the class is not a view or a {@link Stashed} field is
     *     static or final or repeats a key name
     * @throws IllegalStateException if another class already uses the same view name
     */
    public ViewDefinition definitionOf(Class<?> type) {
        return typeOf(type).definition();
    }

    /**
     * @param type a view class (see {@link #isStashedView}), possibly a CGLIB subclass of it
     * @return {@code true} when requests of one browser session to this view take turns
     *     ({@link StashedView#atomic()})
     * @throws IllegalArgumentException as {@link #definitionOf}
     * @throws IllegalStateException as {@link #definitionOf}
     */
    public boolean isAtomic(Class<?> type) {
        return typeOf(type).atomic();
    }

    /**
     * @param type a view class (see {@link #isStashedView}), possibly a CGLIB subclass of it
     * @return the view type, built on first use and cached
     * @throws IllegalArgumentException as {@link #definitionOf}
     * @throws IllegalStateException as {@link #definitionOf}
     */
    StashedViewType typeOf(Class<?> type) {
        return types.computeIfAbsent(ClassUtils.getUserClass(type), this::build);
    }

    private StashedViewType build(Class<?> userClass) {
        String name = viewName(userClass);
        StashedView annotation = AnnotationUtils.findAnnotation(userClass, StashedView.class);
        int vsn = annotation != null ? annotation.vsn() : 1;
        boolean atomic = annotation == null || annotation.atomic();
        Class<?> other = classesByName.putIfAbsent(name, userClass);
        if (other != null && other != userClass) {
            throw new IllegalStateException("view name '" + name + "' is used by both " + other.getName() + " and "
                    + userClass.getName() + ": give one of them another name with @StashedView(name = ...)");
        }
        ViewDefinition.Builder builder = ViewDefinition.builder(name).vsn(vsn).migrator(migrators.get(name));
        List<StashedViewType.KeyField> fields = new ArrayList<>();
        for (Field field : stashedFields(userClass)) {
            int modifiers = field.getModifiers();
            if (Modifier.isStatic(modifiers) || Modifier.isFinal(modifiers)) {
                throw new IllegalArgumentException("@Stashed field " + describe(field) + " must be neither static nor "
                        + "final: a static field would be shared by every browser, and a final one cannot be recovered; "
                        + "make it a plain instance field");
            }
            Stashed stashed = Objects.requireNonNull(field.getAnnotation(Stashed.class));
            String key = stashed.name().isEmpty() ? field.getName() : stashed.name();
            try {
                builder.key(key, field.getGenericType(), engineScope(stashed.scope()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("@Stashed field " + describe(field) + ": " + e.getMessage(), e);
            }
            field.setAccessible(true);
            fields.add(new StashedViewType.KeyField(key, field, field.getGenericType()));
        }
        return new StashedViewType(builder.build(), atomic, fields, json);
    }

    /** @return the engine's scope of the same name */
    static dev.durablestash.core.Scope engineScope(Scope scope) {
        return switch (scope) {
            case SESSION -> dev.durablestash.core.Scope.SESSION;
            case RECONNECT -> dev.durablestash.core.Scope.RECONNECT;
        };
    }

    private static String describe(Field field) {
        return field.getDeclaringClass().getName() + "." + field.getName();
    }

    /** @return a description for logs */
    @Override
    public String toString() {
        return "StashedViews" + types.keySet() + (migrators.isEmpty() ? "" : " migrators=" + migrators.keySet());
    }
}

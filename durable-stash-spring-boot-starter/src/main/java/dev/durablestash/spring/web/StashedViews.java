package dev.durablestash.spring.web;

import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.springframework.core.ResolvableType;
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
 * fields (their generic types, with the type variables of a generic superclass replaced by the view
 * class's type arguments, are what values are recovered as), and attaches the {@link ViewMigrator}
 * beans by view name.
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
     *     static or final or repeats a key name, or its type has a type variable that the class does not
     *     resolve (a field {@code T value} of a generic class, taken without a type argument)
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
            Type type = resolvedType(field, userClass);
            try {
                builder.key(key, type, engineScope(stashed.scope()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("@Stashed field " + describe(field) + ": " + e.getMessage(), e);
            }
            field.setAccessible(true);
            fields.add(new StashedViewType.KeyField(key, field, type));
        }
        return new StashedViewType(builder.build(), atomic, fields, json);
    }

    /**
     * The type a field's values are recovered as in a view class: its generic type, with each type
     * variable of the class that declares it replaced by the argument the view class (or a class
     * between the two) gives it. {@code T value} in {@code Base<T>} is a {@code Person} in
     * {@code PersonView extends Base<Person>}; left as {@code T}, it would be recovered as a map and
     * fail with a {@link ClassCastException} where the handler reads it.
     *
     * @param field a field of {@code viewClass} or of one of its superclasses
     * @param viewClass the (user) view class
     * @return the field's type with no type variable left in it
     * @throws IllegalArgumentException naming the field if the view class leaves a type variable of
     *     its type unresolved
     */
    static Type resolvedType(Field field, Class<?> viewClass) {
        // What each superclass's type variables stand for, as the class below it says; an argument may
        // name that class's own variables (class A<T> extends Base<List<T>>), resolved in turn.
        Map<TypeVariable<?>, Type> arguments = new HashMap<>();
        for (Class<?> c = viewClass; c != null && c != field.getDeclaringClass(); c = c.getSuperclass()) {
            if (c.getGenericSuperclass() instanceof ParameterizedType superclass) {
                TypeVariable<?>[] variables = ((Class<?>) superclass.getRawType()).getTypeParameters();
                Type[] actual = superclass.getActualTypeArguments();
                for (int i = 0; i < variables.length; i++) {
                    arguments.put(variables[i], actual[i]);
                }
            }
        }
        try {
            return substitute(field.getGenericType(), arguments);
        } catch (UnresolvedVariable e) {
            String declaredBy = e.variable.getGenericDeclaration() instanceof Class<?> c ? c.getSimpleName()
                    : String.valueOf(e.variable.getGenericDeclaration());
            throw new IllegalArgumentException("@Stashed field " + describe(field) + " has type "
                    + field.getGenericType().getTypeName() + ", and " + viewClass.getName() + " does not say what "
                    + "type variable " + e.variable.getName() + " of " + declaredBy + " stands for, so its values "
                    + "could not be recovered as the type they are. Give the field a type without type variables, "
                    + "or use as the view a subclass that names the type argument (class PersonView extends "
                    + field.getDeclaringClass().getSimpleName() + "<Person>)."); // the root cause startup shows
        }
    }

    /**
     * @param arguments the type each type variable of the view class's superclasses stands for
     * @return the type with every type variable replaced; the same instance when it had none
     * @throws UnresolvedVariable for a type variable with no argument (the view class's own, a generic
     *     method's or an enclosing class's)
     */
    private static Type substitute(Type type, Map<TypeVariable<?>, Type> arguments) {
        if (type instanceof Class<?>) {
            return type;
        }
        if (type instanceof TypeVariable<?> variable) {
            Type argument = arguments.get(variable);
            if (argument == null) {
                throw new UnresolvedVariable(variable);
            }
            return substitute(argument, arguments);
        }
        if (type instanceof ParameterizedType parameterized) {
            Type[] actual = parameterized.getActualTypeArguments();
            ResolvableType[] resolved = new ResolvableType[actual.length];
            boolean changed = false;
            for (int i = 0; i < actual.length; i++) {
                Type argument = substitute(actual[i], arguments);
                changed |= argument != actual[i];
                resolved[i] = ResolvableType.forType(argument);
            }
            return changed ? ResolvableType.forClassWithGenerics((Class<?>) parameterized.getRawType(), resolved)
                    .getType() : type;
        }
        if (type instanceof GenericArrayType array) {
            Type component = substitute(array.getGenericComponentType(), arguments);
            if (component == array.getGenericComponentType()) {
                return type;
            }
            return component instanceof Class<?> c ? c.arrayType() : new ResolvedArrayType(component);
        }
        if (type instanceof WildcardType wildcard) {
            // the JSON mapper reads a wildcard as its bound: resolve to that bound
            Type[] lower = wildcard.getLowerBounds();
            Type bound = lower.length > 0 ? lower[0] : wildcard.getUpperBounds()[0];
            Type resolved = substitute(bound, arguments);
            return resolved == bound ? type : resolved;
        }
        return type;
    }

    /**
     * A type variable that the view class leaves unresolved: thrown out of the recursion of
     * {@link #substitute} and turned into the {@link IllegalArgumentException} that names the field.
     */
    private static final class UnresolvedVariable extends RuntimeException {

        private static final long serialVersionUID = 1L;

        final transient TypeVariable<?> variable;

        UnresolvedVariable(TypeVariable<?> variable) {
            super(variable.getName(), null, false, false);
            this.variable = variable;
        }
    }

    /** An array of a parameterized type whose type variables were resolved ({@code List<Person>[]}). */
    private record ResolvedArrayType(Type getGenericComponentType) implements GenericArrayType {

        @Override
        public String getTypeName() {
            return getGenericComponentType.getTypeName() + "[]";
        }

        @Override
        public String toString() {
            return getTypeName();
        }
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

    /** @return the names of the views built so far ({@link #definitionOf}) */
    Set<String> names() {
        return Set.copyOf(classesByName.keySet());
    }

    /** @return the view names the migrators are for */
    Set<String> migratedViewNames() {
        return migrators.keySet();
    }

    /** @return a description for logs */
    @Override
    public String toString() {
        return "StashedViews" + types.keySet() + (migrators.isEmpty() ? "" : " migrators=" + migrators.keySet());
    }
}

package dev.durablestash.spring;

import java.lang.reflect.Modifier;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.Migrator;
import dev.durablestash.spring.web.StashedViews;

import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link Migrator} for one view. Declare it as a bean and the starter uses it for the view with
 * that name, whose stored slices were written under another {@link StashedView#vsn() vsn}:
 *
 * <pre>{@code
 * @Bean
 * ViewMigrator counterMigrator() {
 *     return ViewMigrator.of(CounterController.class, (storedVsn, data) -> {
 *         data.put("count", data.path("clicks").asInt());   // vsn 1 called it "clicks"
 *         data.remove("clicks");
 *         return data;
 *     });
 * }
 * }</pre>
 *
 * <p>Without a migrator, a slice stored under another vsn is dropped and recovers as
 * {@link dev.durablestash.core.RecoveryStatus#NOT_FOUND NOT_FOUND}. At most one migrator per view:
 * two for the same view fail at startup, and so does one made for a view name that no view has. What a
 * migrator may return, and what happens when it throws or returns data the session document could not
 * hold: {@link Migrator#migrate}.
 */
public interface ViewMigrator extends Migrator {

    /** @return the name of the view this migrator is for */
    String view();

    /**
     * @param view the view name
     * @param migrator the migration
     * @return a migrator for that view
     */
    static ViewMigrator of(String view, Migrator migrator) {
        return make(view, null, migrator);
    }

    /**
     * @param viewClass a view class: one with {@link Stashed} fields or a {@link StashedView} annotation, not
     *     abstract (an abstract base class of views is no view: each view class that extends it has its own
     *     name and slice)
     * @param migrator the migration
     * @return a migrator for that class's view
     * @throws IllegalArgumentException if the class is not a view, or is abstract or an interface
     */
    static ViewMigrator of(Class<?> viewClass, Migrator migrator) {
        if (viewClass.isInterface() || Modifier.isAbstract(viewClass.getModifiers())) {
            throw new IllegalArgumentException(viewClass.getName() + " is abstract: no view has its name, so a "
                    + "migrator for it would never run; make one for each view class that extends it");
        }
        return make(StashedViews.viewName(viewClass), viewClass, migrator);
    }

    /**
     * @return the view class this migrator was made for ({@link #of(Class, Migrator)}), or {@code null} when it
     *     was made for a view name: the startup check takes a view class for a view wherever it is declared,
     *     and looks a name up among the views it knows
     */
    default @Nullable Class<?> viewClass() {
        return null;
    }

    private static ViewMigrator make(String view, @Nullable Class<?> viewClass, Migrator migrator) {
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(migrator, "migrator");
        return new ViewMigrator() {
            @Override
            public String view() {
                return view;
            }

            @Override
            public @Nullable Class<?> viewClass() {
                return viewClass;
            }

            @Override
            public @Nullable ObjectNode migrate(int storedVsn, ObjectNode storedData) {
                return migrator.migrate(storedVsn, storedData);
            }

            @Override
            public String toString() {
                return "ViewMigrator[" + view + "]";
            }
        };
    }
}

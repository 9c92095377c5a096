package dev.durablestash.spring;

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
 * two for the same view fail at startup, and so does one for a view name that no view has. What a
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
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(migrator, "migrator");
        return new ViewMigrator() {
            @Override
            public String view() {
                return view;
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

    /**
     * @param viewClass a view class: one with {@link Stashed} fields or a {@link StashedView} annotation
     * @param migrator the migration
     * @return a migrator for that class's view
     * @throws IllegalArgumentException if the class is not a view
     */
    static ViewMigrator of(Class<?> viewClass, Migrator migrator) {
        return of(StashedViews.viewName(viewClass), migrator);
    }
}

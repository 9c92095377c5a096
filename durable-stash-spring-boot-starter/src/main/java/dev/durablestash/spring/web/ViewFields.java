package dev.durablestash.spring.web;

import java.lang.reflect.Field;
import java.util.List;
import java.util.stream.Collectors;


import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * How the startup failures of both web integrations name a view's stored fields. Support code shared by
 * the starter's web packages, not an API for applications.
 */
public final class ViewFields {

    private ViewFields() {
    }

    /**
     * @param type a view class
     * @return "@Stashed field(s) a.B.x, a.B.y" or, for an annotation-only view, "@StashedView"
     */
    public static String describe(Class<?> type) {
        List<Field> fields = StashedViews.stashedFields(type);
        if (fields.isEmpty()) {
            return "@StashedView";
        }
        return (fields.size() == 1 ? "@Stashed field " : "@Stashed fields ") + fields.stream()
                .map(f -> f.getDeclaringClass().getName() + "." + f.getName()).collect(Collectors.joining(", "));
    }
}

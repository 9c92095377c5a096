package dev.durablestash.core;

import java.io.Serializable;
import java.lang.reflect.Array;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationConfig;
import tools.jackson.databind.introspect.AnnotatedMember;
import tools.jackson.databind.introspect.BeanPropertyDefinition;
import tools.jackson.databind.introspect.ClassIntrospector;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds the values that a declared type would recover as other values: values in untyped positions, and
 * date-times that the mapper writes without what tells them apart.
 *
 * <p><b>Untyped positions.</b> Where a declared type says nothing of a value's type ({@code Object}, a
 * wildcard, a raw collection or map, {@code Map<String, Object>}, {@code Number}, {@code Serializable}),
 * Jackson reads the stored JSON untyped: a {@code String}, {@code Boolean}, {@code Integer}, {@code Long}
 * or {@code BigInteger} by the integer's size (or as the mapper's settings say), {@code Double} or
 * {@code BigDecimal} for a fraction as the mapper's settings say, {@code LinkedHashMap}, {@code ArrayList}
 * or {@code null}. A {@code BigDecimal} there comes back a {@code Double}, a {@code Long} that fits an int
 * an {@code Integer}, a bean a map. The rule in an untyped position: the value read back must be of exactly
 * the value's class and equal to it; a {@code Map} must come back a map with the same {@code String} keys
 * and such values, and a {@code List} a list of such elements (the class of a map or list may change: a
 * {@code HashMap} comes back a {@code LinkedHashMap}, as equal). A map entry with a {@code null} value that
 * the mapper leaves out (an inclusion setting) is accepted: the map reads {@code null} for it either way.
 *
 * <p><b>Date-time positions.</b> A {@code java.time} type, {@code java.util.Date} or {@code Calendar}
 * (or a subclass) declared as such: the value read back must be the same date-time. A {@code Calendar} is
 * written in the mapper's time zone and read back in it, so one in another zone would come back moved; a
 * serializer of the application's may drop a zone, an offset or the nanoseconds. Compared: {@code java.time}
 * values by {@code equals}, a {@code Date} by its millisecond (a {@code Timestamp} declared as a
 * {@code Date} comes back a {@code Date}, as the type says), a {@code Calendar} by its millisecond and
 * its zone's rules (UTC and GMT are the same zone).
 *
 * <p>In other typed positions nothing is compared but what lies under them in such a position; a set or
 * another unordered collection is compared by its elements' {@code equals}. A {@link #problem} is found by
 * comparing the value with what was read back, position by position, along the declared type. Only for
 * declared types with such a position ({@link #present}, one map look-up for others). Thread-safe.
 */
final class LossyPositions {

    /** Deeper than any document may be: a walk that goes further follows something no JSON holds. */
    private static final int MAX_DEPTH = 2_000;

    /** Declared types Jackson reads untyped (its untyped deserializer, or its {@code Number} one). */
    private static final Set<Class<?>> UNTYPED = Set.of(Object.class, Serializable.class, Number.class);

    private final JsonMapper mapper;
    /** Whether each declared type seen has a compared position (the declared types are a bounded set). */
    private final ConcurrentHashMap<Type, Boolean> declared = new ConcurrentHashMap<>();
    /** Types found to have a compared position somewhere (only {@code true} is kept: see {@link #inside}). */
    private final ConcurrentHashMap<JavaType, Boolean> typesWithUntyped = new ConcurrentHashMap<>();
    /** The properties of each bean type looked into. */
    private final ConcurrentHashMap<JavaType, List<Property>> properties = new ConcurrentHashMap<>();

    LossyPositions(JsonMapper mapper) {
        this.mapper = mapper;
    }

    /** @return whether {@code type} has an untyped or a date-time position, anywhere inside it */
    boolean present(Type type) {
        Boolean known = declared.get(type);
        if (known == null) {
            known = inside(mapper.constructType(type), new HashSet<>());
            declared.putIfAbsent(type, known);
        }
        return known;
    }

    /**
     * @param value the stashed value
     * @param back {@code value} read back from its JSON as {@code type}
     * @param type the key's declared type
     * @return what is wrong with the first value in an untyped position that would not be recovered
     *     equal and of its class, or in a date-time position that would not be recovered the same
     *     date-time; {@code null} when every one would (or when the comparison itself fails: it never
     *     refuses a value for a reason of its own)
     */
    @Nullable String problem(Object value, @Nullable Object back, Type type) {
        try {
            JavaType javaType = mapper.constructType(type);
            Mismatch mismatch = walk(value, back, javaType, null, 0);
            return mismatch == null ? null : mismatch.describe(javaType);
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    private static boolean untyped(JavaType type) {
        return UNTYPED.contains(type.getRawClass());
    }

    private static boolean dated(JavaType type) {
        Class<?> raw = type.getRawClass();
        return raw.getName().startsWith("java.time.") || Date.class.isAssignableFrom(raw)
                || Calendar.class.isAssignableFrom(raw);
    }

    /** @return whether {@code back} is the date-time {@code value} is (see the class description) */
    private static boolean sameDateTime(Object value, @Nullable Object back) {
        if (value instanceof Calendar calendar) {
            return back instanceof Calendar read && read.getTimeInMillis() == calendar.getTimeInMillis()
                    && read.getTimeZone().hasSameRules(calendar.getTimeZone());
        }
        if (value instanceof Date date) {
            if (back != null && back.getClass() == value.getClass() && value.getClass() != Date.class) {
                return value.equals(back); // a subclass read back as itself: its own equality (a Timestamp's nanos)
            }
            return back instanceof Date read && read.getTime() == date.getTime();
        }
        return value.equals(back);
    }

    /**
     * @param visiting the types being looked into further up: a type met again adds nothing new (whether
     *     it has an untyped position is decided where it was first met)
     */
    private boolean inside(JavaType type, Set<JavaType> visiting) {
        if (untyped(type) || dated(type) || typesWithUntyped.containsKey(type)) {
            return true;
        }
        if (!visiting.add(type)) {
            return false;
        }
        boolean found;
        if (type.isContainerType() || type.isReferenceType()) {
            JavaType key = type.getKeyType();
            JavaType content = type.getContentType();
            found = (key != null && inside(key, visiting)) || (content != null && inside(content, visiting));
        } else if (bean(type)) {
            found = false;
            for (Property property : allProperties(type)) {
                if (inside(property.type(), visiting)) {
                    found = true;
                    break;
                }
            }
        } else {
            found = false;
        }
        visiting.remove(type);
        if (found) {
            typesWithUntyped.put(type, true);
        }
        // false is not kept: it may hold only because a type further up was being looked into
        return found;
    }

    /** @return whether Jackson writes and reads {@code type} through its properties (a record, a POJO) */
    private static boolean bean(JavaType type) {
        Class<?> raw = type.getRawClass();
        String name = raw.getName();
        return !type.isPrimitive() && !type.isEnumType() && !raw.isInterface() && !JsonNode.class.isAssignableFrom(raw)
                && !name.startsWith("java.") && !name.startsWith("javax.") && !name.startsWith("tools.jackson.");
    }

    /** A property of a bean type: its JSON name, how its value is got, its type. */
    private record Property(String name, AnnotatedMember accessor, JavaType type) {
    }

    /**
     * @return the properties of a bean type that are stored state: written (they have an accessor) and read back
     *     (deserialization sets them: a creator parameter, a setter or a field); a read-only property (a getter
     *     that computes, from the clock say) is written but never recovered, so it is not compared
     */
    private List<Property> allProperties(JavaType type) {
        List<Property> known = properties.get(type);
        if (known != null) {
            return known;
        }
        SerializationConfig config = mapper.serializationConfig();
        ClassIntrospector introspector = config.classIntrospectorInstance().forOperation(config);
        BeanDescription description = introspector.introspectForSerialization(type,
                introspector.introspectClassAnnotations(type));
        DeserializationConfig reading = mapper.deserializationConfig();
        ClassIntrospector readingIntrospector = reading.classIntrospectorInstance().forOperation(reading);
        Set<String> recovered = new HashSet<>();
        for (BeanPropertyDefinition definition : readingIntrospector.introspectForDeserialization(type,
                readingIntrospector.introspectClassAnnotations(type)).findProperties()) {
            if (definition.couldDeserialize()) {
                recovered.add(definition.getName());
            }
        }
        List<Property> found = new ArrayList<>();
        for (BeanPropertyDefinition definition : description.findProperties()) {
            AnnotatedMember accessor = definition.getAccessor();
            if (accessor != null && recovered.contains(definition.getName())) {
                accessor.fixAccess(config.isEnabled(MapperFeature.OVERRIDE_PUBLIC_ACCESS_MODIFIERS));
                found.add(new Property(definition.getName(), accessor, definition.getPrimaryType()));
            }
        }
        properties.putIfAbsent(type, List.copyOf(found));
        return found;
    }

    /** Where a value sits inside a key's value, as a JSON pointer's steps. */
    private record Path(@Nullable Path parent, String step) {

        static String pointer(@Nullable Path path) {
            if (path == null) {
                return "";
            }
            return pointer(path.parent) + "/" + path.step.replace("~", "~0").replace("/", "~1");
        }
    }

    /**
     * A value in an untyped position that would be recovered as {@code back}, or ({@code dated}) a date-time
     * that would be recovered as another; {@code what} says what it is, when its class does not say enough.
     */
    private record Mismatch(@Nullable Path path, Object value, @Nullable Object back, @Nullable String what,
            boolean dated) {

        Mismatch(@Nullable Path path, Object value, @Nullable Object back, @Nullable String what) {
            this(path, value, back, what, false);
        }

        static Mismatch dateTime(@Nullable Path path, Object value, boolean key) {
            return new Mismatch(path, value, null, key ? "map key" : "value", true);
        }

        String describe(JavaType declaredType) {
            if (dated) {
                return describeDateTime();
            }
            String at = path == null ? "the value" : "the value at " + Path.pointer(path);
            String valueClass = value.getClass().getName();
            StringBuilder m = new StringBuilder().append(at).append(" is ").append(what != null ? what
                    : "a " + valueClass + shown(value)).append(", in a position the key's declared type ")
                    .append(declaredType.toCanonical()).append(" leaves untyped: it would be recovered as ")
                    .append(what != null ? "something else" : back == null ? "null" : "a "
                            + back.getClass().getName() + shown(back));
            if (value instanceof Long && back instanceof Integer) {
                m.append(" (an untyped integer that fits an int is read as an Integer)");
            } else if (value instanceof Number && back instanceof Number) {
                m.append(" (an untyped number is read as ").append(numbers()).append(')');
            }
            String simple = value.getClass().getSimpleName();
            String example = what != null && what.startsWith("a map key") ? "Map<" + simple + ", ...> rather than"
                    + " Map<Object, ...>" : "Map<String, " + simple + "> rather than Map<String, Object>, List<"
                    + simple + ">, or a record";
            m.append("; declare the key's type with the value's type at that position (for example ").append(example)
                    .append("), or stash only values Jackson reads back untyped as they are (by default: String,")
                    .append(" Boolean, Integer, Long beyond the int range, Double, null, and Lists and Maps with")
                    .append(" String keys of these)");
            return m.toString();
        }

        /** Names no date: a date-time may be personal (a birthday), and messages reach logs. */
        private String describeDateTime() {
            String at = "the " + what + (path == null ? "" : " at " + Path.pointer(path)) + ", a "
                    + value.getClass().getName() + ", would be recovered as another date-time: ";
            if (value instanceof Calendar) {
                return at + "a Calendar is written in the mapper's time zone (UTC unless configured) and read back"
                        + " in it, so one in another zone comes back moved; stash a ZonedDateTime (which keeps its"
                        + " zone) or an Instant, or a Calendar in the mapper's time zone";
            }
            return at + "the JSON the mapper writes for it leaves out its zone, its offset or part of its precision"
                    + " (the engine writes dates as ISO-8601 text, with their zone and every digit, unless a"
                    + " serializer or a format of the application's mapper writes them otherwise); stash a value"
                    + " that such JSON holds whole, or let the mapper write this type as the engine does";
        }

        private static String numbers() {
            return "an Integer, a Long or a BigInteger by its size, and a Double or a BigDecimal for a fraction, "
                    + "as the mapper's settings say";
        }

        /** @return a number or boolean shown as it is (other values may be private, and long) */
        private static String shown(Object value) {
            if (value instanceof Number || value instanceof Boolean) {
                return " (" + value + ")";
            }
            return "";
        }
    }

    private @Nullable Mismatch walk(@Nullable Object value, @Nullable Object back, JavaType type,
            @Nullable Path path, int depth) {
        if (value == null || depth > MAX_DEPTH) {
            return null; // a null in a typed position is recovered as null, or refused elsewhere
        }
        if (untyped(type)) {
            return untypedWalk(value, back, path, depth);
        }
        if (dated(type)) {
            return sameDateTime(value, back) ? null : Mismatch.dateTime(path, value, false);
        }
        if (!inside(type, new HashSet<>())) {
            return null;
        }
        if (type.isMapLikeType()) {
            return mapWalk(value, back, type, path, depth);
        }
        if (type.isContainerType()) { // a collection or an array
            return elementsWalk(value, back, type.getContentType(), path, depth);
        }
        if (type.isReferenceType()) {
            return walk(referenced(value), referenced(back), type.getContentType(), path, depth + 1);
        }
        if (back == null || back.getClass() != value.getClass()) {
            return null; // a typed position: Jackson made what the type says
        }
        // The declared type when it is the value's class (its type arguments say what its properties are)
        JavaType beanType = type.getRawClass() == value.getClass() ? type : mapper.constructType(value.getClass());
        for (Property property : allProperties(beanType)) {
            if (inside(property.type(), new HashSet<>())) {
                Mismatch m = walk(property.accessor().getValue(value), property.accessor().getValue(back),
                        property.type(), new Path(path, property.name()), depth + 1);
                if (m != null) {
                    return m;
                }
            }
        }
        return null;
    }

    private static @Nullable Object referenced(@Nullable Object value) {
        if (value instanceof Optional<?> optional) {
            return optional.orElse(null);
        }
        if (value instanceof AtomicReference<?> reference) {
            return reference.get();
        }
        return value;
    }

    private @Nullable Mismatch mapWalk(Object value, @Nullable Object back, JavaType type, @Nullable Path path,
            int depth) {
        if (!(value instanceof Map<?, ?> map) || !(back instanceof Map<?, ?> read)) {
            return null;
        }
        boolean untypedKeys = untyped(type.getKeyType());
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object key = entry.getKey();
            if (untypedKeys && key != null && !(key instanceof String)) {
                return new Mismatch(path, key, String.valueOf(key), "a map key of type " + key.getClass().getName()
                        + ", which is read back as a String");
            }
            if (!read.containsKey(key)) {
                if (key != null && entry.getValue() != null && dated(type.getKeyType())) {
                    return Mismatch.dateTime(path, key, true); // the map's path: a key may be a date, named nowhere
                }
                continue; // a null left out, or a key its type reads back as another (a typed position)
            }
            Mismatch m = walk(entry.getValue(), read.get(key), type.getContentType(),
                    new Path(path, String.valueOf(key)), depth + 1);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    private @Nullable Mismatch elementsWalk(Object value, @Nullable Object back, JavaType content,
            @Nullable Path path, int depth) {
        List<?> values = ordered(value);
        List<?> read = ordered(back);
        if (values != null && read != null) {
            if (values.size() != read.size()) {
                return null;
            }
            for (int i = 0; i < values.size(); i++) {
                Mismatch m = walk(values.get(i), read.get(i), content, new Path(path, Integer.toString(i)), depth + 1);
                if (m != null) {
                    return m;
                }
            }
            return null;
        }
        if (value instanceof Collection<?> elements && back instanceof Collection<?> readElements) {
            // unordered (a set): the elements read back are found by equals
            int i = 0;
            for (Object element : elements) {
                boolean found = dated(content) ? containsSameDateTime(readElements, element)
                        : containsEqual(readElements, element);
                if (element != null && !found) {
                    Path at = new Path(path, Integer.toString(i));
                    return dated(content) ? Mismatch.dateTime(at, element, false) : new Mismatch(at, element, null,
                            "a " + element.getClass().getName() + " that is not read back as an equal element");
                }
                i++;
            }
        }
        return null;
    }

    /** @return whether {@code elements} holds the date-time {@code element} is ({@link #sameDateTime}) */
    private static boolean containsSameDateTime(Collection<?> elements, @Nullable Object element) {
        if (element == null) {
            return true;
        }
        for (Object candidate : elements) {
            if (sameDateTime(element, candidate)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether {@code elements} holds one equal to {@code element}, arrays compared by their elements */
    private static boolean containsEqual(Collection<?> elements, Object element) {
        if (!element.getClass().isArray()) {
            return elements.contains(element);
        }
        for (Object candidate : elements) {
            if (Objects.deepEquals(candidate, element)) {
                return true;
            }
        }
        return false;
    }

    /** @return the elements of a list or an array in their order, else {@code null} */
    private static @Nullable List<?> ordered(@Nullable Object value) {
        if (value instanceof List<?> list) {
            return list;
        }
        if (value != null && value.getClass().isArray()) {
            int length = Array.getLength(value);
            List<@Nullable Object> elements = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
                elements.add(Array.get(value, i));
            }
            return elements;
        }
        return null;
    }

    /** Everything under an untyped position is untyped too. */
    private @Nullable Mismatch untypedWalk(@Nullable Object value, @Nullable Object back, @Nullable Path path,
            int depth) {
        if (value == null || depth > MAX_DEPTH) {
            return null; // JSON null reads back untyped as null
        }
        if (value instanceof Map<?, ?> map) {
            if (!(back instanceof Map<?, ?> read)) {
                return new Mismatch(path, value, back, null);
            }
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                Object key = entry.getKey();
                if (key != null && !(key instanceof String)) {
                    return new Mismatch(path, key, String.valueOf(key), "a map key of type "
                            + key.getClass().getName() + ", which is read back as a String");
                }
                if (!read.containsKey(key)) {
                    if (entry.getValue() == null) {
                        continue; // left out by the mapper's inclusion setting: read as null all the same
                    }
                    return new Mismatch(new Path(path, String.valueOf(key)), entry.getValue(), null, null);
                }
                Mismatch m = untypedWalk(entry.getValue(), read.get(key), new Path(path, String.valueOf(key)),
                        depth + 1);
                if (m != null) {
                    return m;
                }
            }
            return null;
        }
        if (value instanceof List<?> list) {
            if (!(back instanceof List<?> read) || read.size() != list.size()) {
                return new Mismatch(path, value, back, null);
            }
            Iterator<?> readElements = read.iterator();
            int i = 0;
            for (Object element : list) {
                Mismatch m = untypedWalk(element, readElements.next(), new Path(path, Integer.toString(i)), depth + 1);
                if (m != null) {
                    return m;
                }
                i++;
            }
            return null;
        }
        if (value.getClass().isArray()) {
            // read back as an array only by a mapper that reads JSON arrays so (USE_JAVA_ARRAY_FOR_JSON_ARRAY)
            if (back == null || back.getClass() != value.getClass()
                    || Array.getLength(back) != Array.getLength(value)) {
                return new Mismatch(path, value, back, null);
            }
            for (int i = 0; i < Array.getLength(value); i++) {
                Mismatch m = untypedWalk(Array.get(value, i), Array.get(back, i), new Path(path, Integer.toString(i)),
                        depth + 1);
                if (m != null) {
                    return m;
                }
            }
            return null;
        }
        if (back == null || back.getClass() != value.getClass() || !value.equals(back)) {
            return new Mismatch(path, value, back, null);
        }
        return null;
    }
}

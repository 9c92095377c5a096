package dev.durablestash.core;

import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns stashed values into JSON trees at stash time, and stored trees back into the declared Java
 * types at recover time. A value goes through its serialised bytes, so what is recovered in one JVM
 * is exactly what would be recovered from storage after a redeploy. The mapper is configured by
 * {@link StashJson}; one codec per {@link StashSettings} ({@link StashSettings#valueCodec()}) serves the
 * engine and, through {@link ValueJson}, change detection. Thread-safe.
 */
final class ValueCodec {

    private static final Logger log = LoggerFactory.getLogger(ValueCodec.class);

    /** Final JDK classes whose instances cannot change. */
    private static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Boolean.class, Character.class, Byte.class,
            Short.class, Integer.class, Long.class, Float.class, Double.class, BigInteger.class, BigDecimal.class,
            UUID.class, Instant.class, LocalDate.class, LocalTime.class, LocalDateTime.class, OffsetDateTime.class,
            OffsetTime.class, ZonedDateTime.class, Duration.class, Period.class, Year.class, YearMonth.class,
            MonthDay.class, ZoneOffset.class);

    /** Declared types that read a number with a fraction as it is, and hold no integer type inside. */
    private static final Set<Type> HOLDS_FRACTIONS = Set.of(double.class, Double.class, float.class, Float.class,
            BigDecimal.class, Number.class, Object.class, String.class);

    private final JsonMapper mapper;
    /** What a stored value may hold so that its document can be read back. */
    private final DocumentLimits limits = DocumentLimits.DOCUMENTS;
    private final int maxValueBytes;
    private final InvalidValuePolicy policy;
    private final ScalarTrees scalars;
    private final ScalarValues scalarValues;
    private final LossyPositions lossy;
    /** One reader per declared type (the declared types are those of the views: a bounded set). */
    private final ConcurrentHashMap<Type, ObjectReader> readers = new ConcurrentHashMap<>();

    ValueCodec(StashSettings settings) {
        this.mapper = StashJson.forValues(settings.jsonMapper());
        this.maxValueBytes = settings.maxValueBytes();
        this.policy = settings.invalidValuePolicy();
        this.scalars = ScalarTrees.of(mapper);
        this.scalarValues = ScalarValues.of(mapper);
        this.lossy = new LossyPositions(mapper);
    }

    /**
     * @throws InvalidStashValueException for an undeclared key, or (policy RAISE) a value that is not
     *     JSON or too large
     */
    SliceDiff encode(ViewDefinition view, Map<String, ? extends @Nullable Object> changed, Collection<String> removed) {
        Map<String, JsonNode> sets = new LinkedHashMap<>(changed.size() * 2);
        for (Map.Entry<String, ? extends @Nullable Object> entry : changed.entrySet()) {
            String key = entry.getKey();
            StoredKey declared = requireDeclared(view, key);
            JsonNode node = encodeValue(view, key, entry.getValue(), declared.type());
            if (node != null) {
                sets.put(key, node);
            }
        }
        Set<String> removes = new HashSet<>();
        for (String key : removed) {
            requireDeclared(view, key);
            if (sets.containsKey(key)) {
                throw new InvalidStashValueException(view.name(), key,
                        "key '" + key + "' of view '" + view.name() + "' is both set and removed in one stash", null);
            }
            removes.add(key);
        }
        return SliceDiff.of(view, sets, removes);
    }

    private @Nullable JsonNode encodeValue(ViewDefinition view, String key, @Nullable Object value, Type declared) {
        if (value != null && synthetic(value)) {
            return invalid(view, key, "value of type " + value.getClass().getName()
                    + " is a lambda or another synthetic class and cannot be represented as JSON", null);
        }
        if (value == null && declared instanceof Class<?> primitive && primitive.isPrimitive()) {
            // Stored as JSON null, it would never be recovered (a primitive cannot be null): the key would
            // read as absent, and the value it replaced would be gone.
            return invalid(view, key, "value is null, which a key of the primitive type " + primitive.getName()
                    + " cannot hold (it could not be recovered); stash a value, or remove the key", null);
        }
        byte[] json;
        @Nullable JsonNode tree = null;
        try {
            json = write(value);
            if (json.length <= maxValueBytes) {
                // Read back as the stored document will be: JSON the reader refuses (a property name with
                // half of a surrogate pair, which the writer lets through) fails here, before any write.
                tree = tree(json);
            }
        } catch (RuntimeException | StackOverflowError e) {
            // Jackson's own exceptions, and any other a serializer of the application throws (Jackson 3
            // passes an IllegalStateException of a custom serializer through unwrapped).
            String tooDeep = tooDeep(e);
            if (tooDeep != null) {
                return invalid(view, key, limits.depthProblem(tooDeep), e);
            }
            return invalid(view, key, "value of type " + (value == null ? "null" : value.getClass().getName())
                    + " cannot be represented as JSON: " + message(e), e);
        }
        if (json.length > maxValueBytes) {
            return invalid(view, key, "value is " + json.length + " bytes of JSON, more than the limit of "
                    + maxValueBytes + " bytes (max-value-size)", null);
        }
        if (value != null && tree != null) {
            DocumentLimits.Check check = limits.check(tree);
            String problem = check.problem();
            if (problem == null) {
                problem = readBackProblem(value, tree, declared);
            }
            if (problem == null && check.fraction() != null) {
                problem = fractionProblem(tree, declared);
            }
            if (problem != null) {
                return invalid(view, key, problem, null);
            }
        }
        return tree;
    }

    /**
     * @return how deep a value is, as far as the mapper's nesting limit says ("more than 500"), when
     *     {@code e} is that limit refusing it; else {@code null}
     */
    static @Nullable String tooDeep(Throwable e) {
        if (!(e instanceof StreamConstraintsException) || e.getMessage() == null
                || !e.getMessage().startsWith("Document nesting depth (")) {
            return null;
        }
        String m = e.getMessage();
        String depth = m.substring("Document nesting depth (".length(), m.indexOf(')'));
        try {
            return "more than " + (Integer.parseInt(depth) - 1);
        } catch (NumberFormatException notANumber) {
            return "too many";
        }
    }

    /**
     * Jackson reads a number with a fraction into an integer type without it (1.5 for an {@code int} is
     * 1): the value would be recovered as another value. The read-back of such a value passed; it is
     * read back again without that coercion, where whole numbers written as decimals (5.0), which read
     * back as the same number, are made integers first. Only at stash time: stored documents recover
     * as they did.
     *
     * @return what is wrong, or {@code null} when no number loses its fraction
     */
    private @Nullable String fractionProblem(JsonNode tree, Type declared) {
        if (HOLDS_FRACTIONS.contains(declared)) {
            return null; // read without an integer anywhere: no second read-back
        }
        try {
            strictReader(declared).readValue(mapper.writeValueAsBytes(wholeNumbersAsIntegers(tree)));
            return null;
        } catch (InvalidFormatException e) {
            if (!(e.getValue() instanceof Number number)) {
                return null;
            }
            return "value holds the number " + number + ", with a fraction, where the key's declared type "
                    + declared.getTypeName() + " reads an integer: it would be recovered without its fraction"
                    + " (declare a type that holds fractions, or stash a whole number)";
        } catch (RuntimeException | StackOverflowError e) { // fails otherwise: not for a lost fraction
            return null;
        }
    }

    private ObjectReader strictReader(Type type) {
        return mapper.readerFor(mapper.constructType(type)).without(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    /** @return {@code tree}, or a copy of it in which decimals without a fraction (5.0) are integers (5) */
    private static JsonNode wholeNumbersAsIntegers(JsonNode tree) {
        if (tree.isNumber()) {
            return wholeAsInteger(tree);
        }
        if (!tree.isContainer()) {
            return tree;
        }
        JsonNode copy = tree.deepCopy();
        replaceWholeNumbers(copy);
        return copy;
    }

    private static void replaceWholeNumbers(JsonNode container) {
        if (container instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> properties = new ArrayList<>(object.properties());
            for (Map.Entry<String, JsonNode> property : properties) {
                JsonNode value = property.getValue();
                if (value.isContainer()) {
                    replaceWholeNumbers(value);
                } else if (value.isFloatingPointNumber()) {
                    object.set(property.getKey(), wholeAsInteger(value));
                }
            }
        } else if (container instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode value = array.get(i);
                if (value.isContainer()) {
                    replaceWholeNumbers(value);
                } else if (value.isFloatingPointNumber()) {
                    array.set(i, wholeAsInteger(value));
                }
            }
        }
    }

    /** @return an integer node for a decimal without a fraction of up to 1,000 digits, else {@code node} */
    private static JsonNode wholeAsInteger(JsonNode node) {
        if (!node.isFloatingPointNumber() || DocumentLimits.hasFraction(node)) {
            return node;
        }
        BigDecimal n = node.decimalValue();
        if (n.signum() != 0 && (long) n.precision() - n.scale() > 1_000) {
            return node; // left as it is rather than made an integer of its digits (1E+1000000000)
        }
        return JsonNodeFactory.instance.numberNode(n.toBigInteger());
    }

    /**
     * A value written as JSON that does not read back as the key's declared type (an interface or abstract
     * type Jackson cannot construct, a class without a creator) would be stored and then lost at the next
     * recovery: it fails here instead. Every value is read back, as recovery reads it: whether it reads back
     * depends on its content (a field left null, an empty list), not only on its class. Scalars of their
     * own declared type read back without the mapper ({@link ScalarValues}). Where the declared type leaves
     * a position untyped ({@code Object}, {@code Map<String, Object>}...), the value read back must also be
     * the stashed one, of the same classes ({@link LossyPositions}): a {@code BigDecimal} would come back
     * a {@code Double}, a bean a map; and a date-time must come back the same date-time (a {@code Calendar}
     * would come back in the mapper's time zone). Declared types without such a position cost one map
     * look-up more.
     *
     * @return what is wrong, or {@code null} when it reads back as {@code declared}
     */
    private @Nullable String readBackProblem(Object value, JsonNode tree, Type declared) {
        try {
            Object back = decode(tree, declared);
            return lossy.present(declared) ? lossy.problem(value, back, declared) : null;
        } catch (RuntimeException | StackOverflowError e) { // Jackson's, and whatever a deserializer throws
            return "value of type " + value.getClass().getName() + " is written as JSON that does not read back as"
                    + " the key's declared type " + declared.getTypeName() + ", so it could not be recovered: "
                    + message(e);
        }
    }

    /** @return whether Jackson would write the value as {} even with FAIL_ON_EMPTY_BEANS (a lambda) */
    private static boolean synthetic(Object value) {
        return value.getClass().isSynthetic();
    }

    /** @return the value's JSON as {@link #encode} writes it (no size limit), or {@code null} when it has none */
    byte @Nullable [] json(@Nullable Object value) {
        if (value != null && synthetic(value)) {
            return null;
        }
        try {
            return write(value);
        } catch (RuntimeException | StackOverflowError e) { // as encodeValue: whatever a serializer throws
            return null;
        }
    }

    /** @return the value's JSON, written without the mapper where {@link ScalarValues} may; throws what a serializer throws */
    private byte[] write(@Nullable Object value) {
        byte[] scalar = scalarValues.write(value);
        return scalar != null ? scalar : mapper.writeValueAsBytes(value);
    }

    /** @return the tree {@link #encode} stores for JSON that {@link #json} wrote */
    JsonNode tree(byte[] json) {
        JsonNode scalar = scalars.tree(json);
        return scalar != null ? scalar : mapper.readTree(json);
    }

    /**
     * @return a new value of {@code type} read from {@code json}
     * @throws JacksonException if the JSON does not fit the type
     */
    @Nullable Object read(byte[] json, Type type) {
        return reader(type).readValue(json);
    }

    private ObjectReader reader(Type type) {
        return readers.computeIfAbsent(type, t -> mapper.readerFor(mapper.constructType(t)));
    }

    private @Nullable JsonNode invalid(ViewDefinition view, String key, String problem, @Nullable Throwable cause) {
        String message = "cannot stash key '" + key + "' of view '" + view.name() + "': " + problem;
        if (policy == InvalidValuePolicy.LOG) {
            log.warn("{}; the key was skipped", message);
            return null;
        }
        throw new InvalidStashValueException(view.name(), key, message, cause);
    }

    /** @return the key's declaration */
    private static StoredKey requireDeclared(ViewDefinition view, String key) {
        StoredKey declared = view.key(key);
        if (declared == null) {
            throw new InvalidStashValueException(view.name(), key, "view '" + view.name()
                    + "' has no stored key '" + key + "'; declared keys: " + view.keys().keySet(), null);
        }
        return declared;
    }

    /**
     * @return the decoded value
     * @throws JacksonException if the stored JSON does not fit the declared type
     */
    @Nullable Object decode(JsonNode node, Type type) {
        // Through the JSON text, not treeToValue: the tree holds decimals as BigDecimal, and an
        // untyped target (Object, Map<String, Object>) must get the Double that JSON text gives.
        Object scalar = scalarValues.read(node, type);
        return scalar != ScalarValues.NOT_READ ? scalar : read(mapper.writeValueAsBytes(node), type);
    }

    /**
     * {@link #decode(JsonNode, Type)} of the value {@code node} stored under {@code key} in {@code slice},
     * reusing an earlier result for the same node and type when that result is immutable (a string, a
     * number, a date, an enum constant...): callers get the same instance, which none of them can
     * change. Mutable results (collections, maps, beans, arrays) are decoded afresh for every caller.
     *
     * @throws JacksonException if the stored JSON does not fit the declared type
     */
    @Nullable Object decode(SessionDocument.Slice slice, String key, JsonNode node, Type type) {
        Map<String, SessionDocument.Slice.Decoded> cache = slice.decoded();
        SessionDocument.Slice.Decoded kept = cache.get(key);
        if (kept != null && kept.codec() == this && kept.node() == node && kept.type().equals(type)) {
            return kept.value();
        }
        Object value = decode(node, type);
        if (immutable(value)) {
            cache.put(key, new SessionDocument.Slice.Decoded(this, node, type, value));
        }
        return value;
    }

    /**
     * @return whether every holder of a decoded {@code value} may share it: {@code null}, an enum
     *     constant (decoding always yields the constant itself), or an {@link #IMMUTABLE} class
     */
    static boolean immutable(@Nullable Object value) {
        return immutableJdkValue(value) || value instanceof Enum<?>;
    }

    /**
     * @return whether {@code value} is {@code null} or of exactly one of the {@link #IMMUTABLE} classes,
     *     so that it and its JSON never change. Not enum constants: one may have fields, and its JSON may
     *     show them.
     */
    static boolean immutableJdkValue(@Nullable Object value) {
        // Exact classes: BigInteger and BigDecimal are not final, a subclass may be mutable.
        return value == null || IMMUTABLE.contains(value.getClass());
    }

    private static String message(Throwable e) {
        if (e instanceof StackOverflowError) {
            return "it is too deeply nested or refers to itself";
        }
        String m = e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        int newline = m.indexOf('\n');
        String first = newline > 0 ? m.substring(0, newline) : m;
        if (first.contains("FAIL_ON_EMPTY_BEANS")) {
            // Jackson suggests disabling the feature, which would store {} and lose the value's state.
            return first + "; give the class properties Jackson can see (getters or public fields), or make it a "
                    + "record. Disabling that feature does not help: DurableStash keeps it on, since the value would "
                    + "be stored as {} and its state lost";
        }
        return first;
    }
}

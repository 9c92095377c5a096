package dev.durablestash.core;

import java.lang.reflect.Type;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns stashed values into JSON trees at stash time, and stored trees back into the declared Java
 * types at recover time. A value goes through its serialised bytes, so what is recovered in one JVM
 * is exactly what would be recovered from storage after a redeploy. Thread-safe.
 */
final class ValueCodec {

    private static final Logger log = LoggerFactory.getLogger(ValueCodec.class);

    private final JsonMapper mapper;
    private final int maxValueBytes;
    private final InvalidValuePolicy policy;

    ValueCodec(StashSettings settings) {
        this.mapper = settings.jsonMapper().rebuild()
                // An object without properties would be stored as {} and silently lose its state: refuse it.
                .enable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .enable(SerializationFeature.FAIL_ON_SELF_REFERENCES)
                // A ZonedDateTime keeps its zone and an OffsetDateTime its offset (by default Jackson
                // writes only the offset and reads the value back adjusted to UTC).
                .enable(DateTimeFeature.WRITE_DATES_WITH_ZONE_ID)
                .disable(DateTimeFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                // Trees hold decimal numbers as BigDecimal: a BigDecimal value keeps every digit.
                .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .build();
        this.maxValueBytes = settings.maxValueBytes();
        this.policy = settings.invalidValuePolicy();
    }

    /**
     * @throws InvalidStashValueException for an undeclared key, or (policy RAISE) a value that is not
     *     JSON or too large
     */
    SliceDiff encode(ViewDefinition view, Map<String, ? extends @Nullable Object> changed, Collection<String> removed) {
        Map<String, JsonNode> sets = new LinkedHashMap<>(changed.size() * 2);
        for (Map.Entry<String, ? extends @Nullable Object> entry : changed.entrySet()) {
            String key = entry.getKey();
            requireDeclared(view, key);
            JsonNode node = encodeValue(view, key, entry.getValue());
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

    private @Nullable JsonNode encodeValue(ViewDefinition view, String key, @Nullable Object value) {
        if (value != null && value.getClass().isSynthetic()) {
            // Jackson writes a lambda as {} even with FAIL_ON_EMPTY_BEANS.
            return invalid(view, key, "value of type " + value.getClass().getName()
                    + " is a lambda or another synthetic class and cannot be represented as JSON", null);
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(value);
        } catch (JacksonException | StackOverflowError e) {
            return invalid(view, key, "value of type " + (value == null ? "null" : value.getClass().getName())
                    + " cannot be represented as JSON: " + message(e), e);
        }
        if (json.length > maxValueBytes) {
            return invalid(view, key, "value is " + json.length + " bytes of JSON, more than the limit of "
                    + maxValueBytes + " bytes (max-value-size)", null);
        }
        return mapper.readTree(json);
    }

    private @Nullable JsonNode invalid(ViewDefinition view, String key, String problem, @Nullable Throwable cause) {
        String message = "cannot stash key '" + key + "' of view '" + view.name() + "': " + problem;
        if (policy == InvalidValuePolicy.LOG) {
            log.warn("{}; the key was skipped", message);
            return null;
        }
        throw new InvalidStashValueException(view.name(), key, message, cause);
    }

    private static void requireDeclared(ViewDefinition view, String key) {
        if (view.key(key) == null) {
            throw new InvalidStashValueException(view.name(), key, "view '" + view.name()
                    + "' has no stored key '" + key + "'; declared keys: " + view.keys().keySet(), null);
        }
    }

    /**
     * @return the decoded value
     * @throws JacksonException if the stored JSON does not fit the declared type
     */
    @Nullable Object decode(JsonNode node, Type type) {
        JavaType javaType = mapper.constructType(type);
        // Through the JSON text, not treeToValue: the tree holds decimals as BigDecimal, and an
        // untyped target (Object, Map<String, Object>) must get the Double that JSON text gives.
        return mapper.readerFor(javaType).readValue(mapper.writeValueAsBytes(node));
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
        return newline > 0 ? m.substring(0, newline) : m;
    }
}

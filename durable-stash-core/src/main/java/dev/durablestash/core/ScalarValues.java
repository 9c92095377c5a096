package dev.durablestash.core;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.StringNode;

/**
 * Writes the JSON of the commonest values (an {@code Integer}, {@code Long}, {@code Short},
 * {@code Byte} or {@code Boolean}, a string of printable ASCII without a quote, backslash or slash) and
 * reads the commonest stored nodes back into the commonest declared types ({@code int}/{@code Integer}
 * from an int node, {@code long}/{@code Long} from an int or long node, {@code boolean}/{@code Boolean}
 * from a boolean node, {@code String} from a string node) exactly as a mapper would, without it: each
 * stash writes the JSON of every changed value, and each recover reads every value it returns that
 * changed since.
 *
 * <p>{@link #of} turns it on only for a mapper that cannot treat these values otherwise: no modules but
 * Jackson's and Spring's ({@link ScalarTrees#standardModules}), no mix-in for these classes, Jackson's
 * own code alone writing and reading them ({@link JacksonOwnCode}: no serializer, deserializer,
 * modifier or decorator of the application's, Spring Boot's {@code @JacksonComponent}s included), and
 * probes (including the extremes of each type, and every character a plain string may hold) written
 * and read by the mapper exactly as here. A mapper configured otherwise (integers as strings,
 * escaped characters...) keeps its own writing and reading. Strings longer than a sixth of the
 * mapper's string or document limit are left to the mapper, which may refuse them. Immutable.
 */
final class ScalarValues {

    /** What {@link #read} answers when it leaves a node to the mapper. */
    static final Object NOT_READ = new Object();

    /** Every character a plain string may hold. */
    private static final String PLAIN_CHARACTERS;

    static {
        StringBuilder all = new StringBuilder();
        for (char c = 0x20; c < 0x7f; c++) {
            if (plain(c)) {
                all.append(c);
            }
        }
        PLAIN_CHARACTERS = all.toString();
    }

    private static final List<Object> WRITE_PROBES = List.of(0, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 0L, -7L,
            Long.MAX_VALUE, Long.MIN_VALUE, (short) 12, Short.MIN_VALUE, (byte) -3, Byte.MAX_VALUE, true, false, "",
            PLAIN_CHARACTERS);

    private static final List<JsonNode> READ_PROBES = List.of(IntNode.valueOf(0), IntNode.valueOf(-7),
            IntNode.valueOf(Integer.MAX_VALUE), IntNode.valueOf(Integer.MIN_VALUE), LongNode.valueOf(Long.MAX_VALUE),
            LongNode.valueOf(Long.MIN_VALUE), BooleanNode.TRUE, BooleanNode.FALSE, StringNode.valueOf(""),
            StringNode.valueOf(PLAIN_CHARACTERS), StringNode.valueOf("\"\\/\n\u00e9\u20ac\ud83d\ude00"));

    private static final List<Class<?>> READ_TYPES = List.of(int.class, Integer.class, long.class, Long.class,
            boolean.class, Boolean.class, String.class);

    private static final List<Class<?>> CLASSES = List.of(Integer.class, Long.class, Short.class, Byte.class,
            Boolean.class, String.class);

    private static final ScalarValues OFF = new ScalarValues(false, 0);

    private final boolean on;
    /** A sixth of the mapper's string or document limit: a longer string may be longer than those as JSON (escapes). */
    private final int maxReadStringLength;

    private ScalarValues(boolean on, int maxReadStringLength) {
        this.on = on;
        this.maxReadStringLength = maxReadStringLength;
    }

    /** @return a writer and reader for {@code mapper}'s values that does nothing itself if the mapper may treat them otherwise */
    static ScalarValues of(JsonMapper mapper) {
        if (!ScalarTrees.standardModules(mapper)) {
            return OFF;
        }
        for (Class<?> type : CLASSES) {
            if (mapper.serializationConfig().findMixInClassFor(type) != null
                    || mapper.deserializationConfig().findMixInClassFor(type) != null) {
                return OFF;
            }
        }
        StreamReadConstraints limits = mapper.tokenStreamFactory().streamReadConstraints();
        long maxJson = limits.getMaxDocumentLength() > 0
                ? Math.min(limits.getMaxStringLength(), limits.getMaxDocumentLength() - 2) : limits.getMaxStringLength();
        ScalarValues candidate = new ScalarValues(true, (int) Math.max(0, maxJson / 6));
        try {
            for (Object probe : WRITE_PROBES) {
                byte[] written = candidate.write(probe);
                if (written == null || !Arrays.equals(written, mapper.writeValueAsBytes(probe))
                        || !JacksonOwnCode.writes(mapper, probe)) {
                    return OFF;
                }
            }
            for (JsonNode node : READ_PROBES) {
                byte[] json = mapper.writeValueAsBytes(node);
                for (Class<?> type : READ_TYPES) {
                    Object read = candidate.read(node, type);
                    if (read != NOT_READ) {
                        if (!JacksonOwnCode.reads(mapper, json, type)) {
                            return OFF;
                        }
                        Object expected = mapper.readerFor(type).readValue(json);
                        if (expected == null || expected.getClass() != read.getClass() || !Objects.equals(expected, read)) {
                            return OFF;
                        }
                    }
                }
            }
        } catch (RuntimeException e) { // the mapper refuses a probe (its limits): it does everything itself
            return OFF;
        }
        return candidate;
    }

    /** @return the JSON the mapper would write for {@code value}, or {@code null} when this leaves it to the mapper */
    byte @Nullable [] write(@Nullable Object value) {
        if (!on || value == null) {
            return null;
        }
        Class<?> type = value.getClass();
        if (type == Integer.class || type == Long.class || type == Short.class || type == Byte.class) {
            return Long.toString(((Number) value).longValue()).getBytes(StandardCharsets.US_ASCII);
        }
        if (type == Boolean.class) {
            return ((Boolean) value ? "true" : "false").getBytes(StandardCharsets.US_ASCII);
        }
        if (type == String.class) {
            String s = (String) value;
            int n = s.length();
            byte[] json = new byte[n + 2];
            json[0] = '"';
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (!plain(c)) {
                    return null;
                }
                json[i + 1] = (byte) c;
            }
            json[n + 1] = '"';
            return json;
        }
        return null;
    }

    /**
     * @return the value the mapper would read from {@code node}'s JSON as {@code type}, or {@link #NOT_READ}
     *     when this leaves it to the mapper
     */
    @Nullable Object read(JsonNode node, Type type) {
        if (!on) {
            return NOT_READ;
        }
        Class<?> nodeClass = node.getClass();
        if (type == int.class || type == Integer.class) {
            return nodeClass == IntNode.class ? (Object) node.intValue() : NOT_READ;
        }
        if (type == long.class || type == Long.class) {
            return nodeClass == IntNode.class || nodeClass == LongNode.class ? (Object) node.longValue() : NOT_READ;
        }
        if (type == boolean.class || type == Boolean.class) {
            return nodeClass == BooleanNode.class ? (Object) node.booleanValue() : NOT_READ;
        }
        if (type == String.class && nodeClass == StringNode.class) {
            String s = node.stringValue();
            return s.length() <= maxReadStringLength ? s : NOT_READ;
        }
        return NOT_READ;
    }

    /** @return whether {@code c} is written as itself in a JSON string: printable ASCII but a quote, backslash or slash */
    private static boolean plain(char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '/';
    }
}

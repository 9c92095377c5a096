package dev.durablestash.core;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.StringNode;

/**
 * Writes and reads the commonest values (an {@code Integer}, a {@code Long}, a {@code Boolean}, a
 * {@code String} of printable ASCII without {@code " \ /}) exactly as a mapper would, without the mapper: every request of a
 * view with a {@code @Stashed int} writes its value's JSON twice (to tell whether it changed, then to
 * store it) and reads it once, and the mapper's generator and parser cost more than the value.
 * {@link #of} checks once that the mapper writes and reads probes of these types as this class does (a
 * mapper that writes numbers as strings, escapes more characters, wraps root values or reads strings
 * its own way keeps its own writing and reading), and it is on only when {@link ScalarTrees} is (the
 * same rule about modules: only Jackson's and Spring's). Not seen: a serializer or deserializer of one
 * of these types that behaves differently for other values than the probes, registered other than
 * through a module. Immutable.
 */
final class ScalarValues {

    private static final ScalarValues OFF = new ScalarValues(false);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    /**
     * Every printable ASCII character but the two JSON escapes in strings ({@code "} and {@code \}) and
     * {@code /}, which mappers may escape or not ({@code JsonWriteFeature.ESCAPE_FORWARD_SLASHES}): a
     * string with one of the three is left to the mapper.
     */
    private static final String PRINTABLE;

    static {
        StringBuilder printable = new StringBuilder();
        for (char c = 0x20; c < 0x7f; c++) {
            if (c != '"' && c != '\\' && c != '/') {
                printable.append(c);
            }
        }
        PRINTABLE = printable.toString();
    }

    private static final Object[] WRITE_PROBES = {0, 1, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 0L, -12L,
        Long.MAX_VALUE, Long.MIN_VALUE, true, false, "", " a ", PRINTABLE};

    /** A JSON probe and the types it is read as. */
    private record ReadProbe(String json, Type... types) {
    }

    private static final ReadProbe[] READ_PROBES = {
        new ReadProbe("0", int.class, Integer.class, long.class, Long.class),
        new ReadProbe("-7", int.class, Integer.class, long.class, Long.class),
        new ReadProbe("2147483647", int.class, Integer.class, long.class, Long.class),
        new ReadProbe("-2147483648", int.class, Integer.class, long.class, Long.class),
        new ReadProbe("2147483648", long.class, Long.class),
        new ReadProbe("-999999999999999999", long.class, Long.class),
        new ReadProbe("true", boolean.class, Boolean.class),
        new ReadProbe("false", boolean.class, Boolean.class),
        new ReadProbe("\"\"", String.class),
        new ReadProbe("\" a \"", String.class),
        new ReadProbe('"' + PRINTABLE + '"', String.class),
    };

    private final boolean on;

    private ScalarValues(boolean on) {
        this.on = on;
    }

    /**
     * @param mapper the value mapper
     * @param trees the mapper's tree reader ({@link ScalarTrees#of}): reads are checked through it
     * @return a writer and reader that does nothing itself if the mapper may write or read these values
     *     differently
     */
    static ScalarValues of(JsonMapper mapper, ScalarTrees trees) {
        if (!trees.isOn()) {
            return OFF;
        }
        ScalarValues candidate = new ScalarValues(true);
        try {
            for (Object probe : WRITE_PROBES) {
                if (!Arrays.equals(mapper.writeValueAsBytes(probe), candidate.write(probe))) {
                    return OFF;
                }
            }
            for (ReadProbe probe : READ_PROBES) {
                byte[] json = probe.json().getBytes(StandardCharsets.US_ASCII);
                JsonNode node = trees.tree(json);
                for (Type type : probe.types()) {
                    Object expected = mapper.readerFor(mapper.constructType(type)).readValue(json);
                    if (node == null || expected == null || !Objects.equals(expected, candidate.read(node, type))) {
                        return OFF;
                    }
                }
            }
        } catch (RuntimeException e) { // the mapper refuses a probe: it writes and reads everything itself
            return OFF;
        }
        return candidate;
    }

    /**
     * @param value a value
     * @return the JSON the mapper writes for it, or {@code null} when this writer leaves it to the mapper
     */
    byte @Nullable [] write(@Nullable Object value) {
        if (!on || value == null) {
            return null;
        }
        Class<?> type = value.getClass();
        if (type == Integer.class || type == Long.class) {
            return value.toString().getBytes(StandardCharsets.US_ASCII);
        }
        if (type == Boolean.class) {
            return ((Boolean) value) ? TRUE.clone() : FALSE.clone();
        }
        if (type == String.class) {
            return quoted((String) value);
        }
        return null;
    }

    /** @return the string in quotes if it is printable ASCII without a quote, backslash or slash, else {@code null} */
    private static byte @Nullable [] quoted(String value) {
        int n = value.length();
        byte[] json = new byte[n + 2];
        json[0] = '"';
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/') {
                return null;
            }
            json[i + 1] = (byte) c;
        }
        json[n + 1] = '"';
        return json;
    }

    /**
     * @param node a tree the mapper read
     * @param type the type to read it as
     * @return the value the mapper reads from the node's JSON, or {@code null} when this reader leaves it
     *     to the mapper (it never reads a {@code null} value)
     */
    @Nullable Object read(JsonNode node, Type type) {
        if (!on) {
            return null;
        }
        if (type == int.class || type == Integer.class) {
            return node instanceof IntNode ? node.intValue() : null;
        }
        if (type == long.class || type == Long.class) {
            return node instanceof IntNode || node instanceof LongNode ? node.longValue() : null;
        }
        if (type == boolean.class || type == Boolean.class) {
            return node instanceof BooleanNode ? node.booleanValue() : null;
        }
        if (type == String.class) {
            return node instanceof StringNode ? node.stringValue() : null;
        }
        return null;
    }
}

package dev.durablestash.core;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.StringNode;

/**
 * Reads the JSON of the commonest values (a string of printable ASCII without escapes, an integer
 * of up to 18 digits, {@code true}, {@code false}, {@code null}) into the very node a mapper's
 * {@code readTree} makes of it, without a parser: every stash reads back the JSON of each value it
 * stores. {@link #of} checks once that the mapper reads these tokens into these nodes (a mapper
 * configured otherwise, e.g. to read integers as {@code long}, keeps its own reading). It is on only
 * for a mapper with Jackson's own node factory, no modules but Jackson's and Spring's (a module of
 * the application's, or any {@code SimpleModule}, may read trees its own way) and Jackson's own code
 * alone reading the probes ({@link JacksonOwnCode}: no {@code JsonNode} deserializer of the
 * application's, also none registered through one of Spring's modules), and it keeps the mapper's
 * read constraints (string and number lengths, document length), so what the mapper would refuse is
 * still refused by it. Immutable.
 */
final class ScalarTrees {

    /** The tokens {@link #read} handles, and nothing more: the check of a mapper. */
    private static final String[] PROBES = {"\"\"", "\"a b ~\"", "0", "-7", "2147483647", "-2147483648",
        "2147483648", "-2147483649", "999999999999999999", "-999999999999999999", "true", "false", "null"};

    private static final ScalarTrees OFF = new ScalarTrees(false, 0, 0, 0);

    private final boolean on;
    /** The mapper's limits: longer JSON is left to it (and refused by it). */
    private final int maxStringLength;
    private final int maxNumberLength;
    private final long maxDocumentLength;

    private ScalarTrees(boolean on, int maxStringLength, int maxNumberLength, long maxDocumentLength) {
        this.on = on;
        this.maxStringLength = maxStringLength;
        this.maxNumberLength = maxNumberLength;
        this.maxDocumentLength = maxDocumentLength;
    }

    /** @return a reader for {@code mapper}'s trees, which reads nothing itself if the mapper may read these tokens differently */
    static ScalarTrees of(JsonMapper mapper) {
        if (mapper.getNodeFactory().getClass() != JsonNodeFactory.class || !standardModules(mapper)) {
            return OFF;
        }
        StreamReadConstraints limits = mapper.tokenStreamFactory().streamReadConstraints();
        ScalarTrees candidate = new ScalarTrees(true, limits.getMaxStringLength(), limits.getMaxNumberLength(),
                limits.getMaxDocumentLength());
        try {
            for (String probe : PROBES) {
                byte[] json = probe.getBytes(StandardCharsets.US_ASCII);
                if (!JacksonOwnCode.reads(mapper, json, JsonNode.class)) {
                    return OFF;
                }
                JsonNode expected = mapper.readTree(json);
                JsonNode read = candidate.tree(json);
                if (expected == null || read == null || expected.getClass() != read.getClass() || !expected.equals(read)) {
                    return OFF;
                }
            }
        } catch (RuntimeException e) { // the mapper refuses a probe (its limits): it reads everything itself
            return OFF;
        }
        return candidate;
    }

    /**
     * @return whether {@code mapper} has no modules but Jackson's and Spring's: an application's module
     *     (a {@code SimpleModule} too) may write and read values and trees its own way
     */
    static boolean standardModules(JsonMapper mapper) {
        for (JacksonModule module : mapper.registeredModules()) {
            String name = module.getClass().getName();
            boolean jacksons = name.startsWith("tools.jackson.") && !(module instanceof SimpleModule);
            if (!jacksons && !name.startsWith("org.springframework.")) {
                return false;
            }
        }
        return true;
    }

    /** @return the tree the mapper would read from {@code json}, or {@code null} when this reader leaves it to the mapper */
    @Nullable JsonNode tree(byte[] json) {
        if (!on || (maxDocumentLength > 0 && json.length > maxDocumentLength)) {
            return null;
        }
        JsonNode node = read(json);
        if (node == null) {
            return null;
        }
        if (node.isString() ? json.length - 2 > maxStringLength : node.isNumber() && json.length > maxNumberLength) {
            return null; // the mapper refuses it: so must a stash
        }
        return node;
    }

    private static @Nullable JsonNode read(byte[] json) {
        int n = json.length;
        if (n == 0) {
            return null;
        }
        byte first = json[0];
        if (first == '"') {
            return n >= 2 && json[n - 1] == '"' && plain(json, 1, n - 1)
                    ? StringNode.valueOf(new String(json, 1, n - 2, StandardCharsets.US_ASCII)) : null;
        }
        if (first == '-' || (first >= '0' && first <= '9')) {
            return integer(json);
        }
        if (n == 4 && first == 't' && json[1] == 'r' && json[2] == 'u' && json[3] == 'e') {
            return BooleanNode.TRUE;
        }
        if (n == 5 && first == 'f' && json[1] == 'a' && json[2] == 'l' && json[3] == 's' && json[4] == 'e') {
            return BooleanNode.FALSE;
        }
        if (n == 4 && first == 'n' && json[1] == 'u' && json[2] == 'l' && json[3] == 'l') {
            return NullNode.getInstance();
        }
        return null;
    }

    /** @return whether bytes [from, to) are printable ASCII without a quote or backslash (no escapes to read) */
    private static boolean plain(byte[] json, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = json[i];
            if (b < 0x20 || b == '"' || b == '\\') { // bytes are signed: non-ASCII is negative
                return false;
            }
        }
        return true;
    }

    /** @return an int or long node for a canonical integer of at most 18 digits, else {@code null} */
    private static @Nullable JsonNode integer(byte[] json) {
        int at = json[0] == '-' ? 1 : 0;
        int digits = json.length - at;
        if (digits < 1 || digits > 18 || (digits > 1 && json[at] == '0')) {
            return null;
        }
        long value = 0;
        for (int i = at; i < json.length; i++) {
            int d = json[i] - '0';
            if (d < 0 || d > 9) {
                return null;
            }
            value = value * 10 + d;
        }
        if (at == 1) {
            if (value == 0) {
                return null; // "-0": not what a mapper writes; left to it
            }
            value = -value;
        }
        return value == (int) value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
    }
}

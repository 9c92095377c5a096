package dev.durablestash.core;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.BooleanNode;
import tools.jackson.databind.node.IntNode;
import tools.jackson.databind.node.LongNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.StringNode;

/**
 * Reads the JSON of the commonest values (a string of printable ASCII without escapes, an integer
 * of up to 18 digits, {@code true}, {@code false}, {@code null}) into the very node a mapper's
 * {@code readTree} makes of it, without a parser: every stash reads back the JSON of each value it
 * stores. {@link #of} checks once that the mapper reads these tokens into these nodes (a mapper
 * configured otherwise, e.g. to read integers as {@code long}, keeps its own reading). Immutable.
 */
final class ScalarTrees {

    /** The tokens {@link #read} handles, and nothing more: the check of a mapper. */
    private static final String[] PROBES = {"\"\"", "\"a b ~\"", "0", "-7", "2147483647", "-2147483648",
        "2147483648", "-2147483649", "999999999999999999", "-999999999999999999", "true", "false", "null"};

    private static final ScalarTrees OFF = new ScalarTrees(false);

    private final boolean on;

    private ScalarTrees(boolean on) {
        this.on = on;
    }

    /** @return a reader for {@code mapper}'s trees, which reads nothing itself if the mapper reads these tokens differently */
    static ScalarTrees of(JsonMapper mapper) {
        for (String probe : PROBES) {
            byte[] json = probe.getBytes(StandardCharsets.US_ASCII);
            JsonNode expected = mapper.readTree(json);
            JsonNode read = read(json);
            if (expected == null || read == null || expected.getClass() != read.getClass() || !expected.equals(read)) {
                return OFF;
            }
        }
        return new ScalarTrees(true);
    }

    /** @return the tree the mapper would read from {@code json}, or {@code null} when this reader leaves it to the mapper */
    @Nullable JsonNode tree(byte[] json) {
        return on ? read(json) : null;
    }

    static @Nullable JsonNode read(byte[] json) {
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

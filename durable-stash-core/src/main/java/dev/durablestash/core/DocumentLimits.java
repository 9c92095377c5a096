package dev.durablestash.core;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamWriteConstraints;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a stored value may hold so that the session document holding it can be read back: the
 * limits of the document's reader ({@link StashJson#DOCUMENTS}'s {@link StreamReadConstraints}),
 * applied at stash time to the tree a value is stored as, measured as the document holds it. A
 * value's own JSON is read back by the application's mapper, whose limits may be higher, and the
 * document adds levels around the value: each value passing that read-back could still make its
 * document unreadable after a restart, losing the state of every view of the session.
 *
 * <ul>
 * <li>depth: the document's reader accepts {@code maxNestingDepth} levels of arrays and objects
 *     (500) and puts a value {@value #LEVELS_AROUND_A_VALUE} levels inside it (the document, its
 *     {@code views}, the view's slice, the slice's {@code data}): a value may have 496. (The writer,
 *     which writes a slice on its own, two levels around its values, has the same limit of 500.)</li>
 * <li>property names: at most {@code maxNameLength} bytes of UTF-8 (50,000), as the reader counts
 *     them;</li>
 * <li>strings: at most {@code maxStringLength} characters (100,000,000);</li>
 * <li>numbers: at most {@code maxNumberLength} digits (1,000), counted as the reader counts them
 *     (the digits before and after the point and of the exponent) in the text the document's
 *     writer writes ({@code 1234e-9} is written {@code 0.000001234}: 10 digits).</li>
 * </ul>
 *
 * The reader's limits on a whole document (its length, its number of tokens) are unlimited by
 * default; the document's size is held by {@code max-document-size}. The view and key names of the
 * document are held by {@link ViewDefinition#MAX_NAME_LENGTH}. Immutable.
 *
 * @param maxValueDepth the deepest nesting of arrays and objects a value may have
 * @param maxStringLength the longest string, in characters
 * @param maxNameBytes the longest property name, in bytes of UTF-8
 * @param maxNumberLength the most digits of a number
 */
record DocumentLimits(int maxValueDepth, int maxStringLength, int maxNameBytes, int maxNumberLength) {

    /** Levels of the session document around a stored value: the document, views, the slice, its data. */
    static final int LEVELS_AROUND_A_VALUE = 4;
    /** Levels around a value when a slice is written on its own ({@code {"vsn":…,"data":{…}}}). */
    private static final int LEVELS_AROUND_A_VALUE_IN_A_SLICE = 2;

    /** The limits of {@link StashJson#DOCUMENTS}, the mapper that writes and reads session documents. */
    static final DocumentLimits DOCUMENTS = of(StashJson.DOCUMENTS);

    /** The result of {@link #check}: a problem, or none and possibly the first number with a fraction. */
    record Check(@Nullable String problem, @Nullable JsonNode fraction) {
    }

    private static final Check FINE = new Check(null, null);

    /** @return the limits a value stored in a document written and read by {@code documents} must keep */
    static DocumentLimits of(JsonMapper documents) {
        StreamReadConstraints read = documents.tokenStreamFactory().streamReadConstraints();
        StreamWriteConstraints write = documents.tokenStreamFactory().streamWriteConstraints();
        int depth = Math.min(read.getMaxNestingDepth() - LEVELS_AROUND_A_VALUE,
                write.getMaxNestingDepth() - LEVELS_AROUND_A_VALUE_IN_A_SLICE);
        return new DocumentLimits(depth, read.getMaxStringLength(), read.getMaxNameLength(),
                read.getMaxNumberLength());
    }

    /**
     * @param tree a value's tree, as it is stored
     * @return what in it the document's reader would refuse, if anything; and else the first number
     *     with a fraction it holds, if any (see {@link ValueCodec}: such a number may be read back as an
     *     integer without its fraction)
     */
    Check check(JsonNode tree) {
        if (tree.isString()) {
            String problem = string(tree.stringValue());
            return problem == null ? FINE : new Check(problem, null);
        }
        if (!tree.isContainer() && !tree.isNumber()) {
            return FINE; // a boolean or null
        }
        Walk walk = new Walk();
        walk.visit(tree, 0);
        if (walk.problem != null) {
            return new Check(walk.problem, null);
        }
        return walk.tooDeep ? new Check(depthProblem(Integer.toString(depthOf(tree))), null)
                : walk.fraction == null ? FINE : new Check(null, walk.fraction);
    }

    /** @return the levels of arrays and objects of {@code tree}, counted without recursion (it may be deep) */
    static int depthOf(JsonNode tree) {
        int deepest = 0;
        ArrayDeque<JsonNode> nodes = new ArrayDeque<>();
        ArrayDeque<Integer> levels = new ArrayDeque<>();
        nodes.push(tree);
        levels.push(0);
        while (!nodes.isEmpty()) {
            JsonNode node = nodes.pop();
            int level = levels.pop();
            if (node.isContainer()) {
                deepest = Math.max(deepest, level + 1);
                for (JsonNode child : node) {
                    nodes.push(child);
                    levels.push(level + 1);
                }
            }
        }
        return deepest;
    }

    /**
     * @param depth how deep a value is nested: a number, or words such as "more than 500"
     * @return what is wrong with a value nested that deep, more than {@link #maxValueDepth}
     */
    String depthProblem(String depth) {
        return "value is nested " + depth + " levels deep (arrays and objects), more than the " + maxValueDepth
                + " levels a stored value may have: the session document's reader accepts "
                + (maxValueDepth + LEVELS_AROUND_A_VALUE) + " levels and holds a value " + LEVELS_AROUND_A_VALUE
                + " levels inside the document, which could not be read back with it (every view of the session"
                + " would lose its state)";
    }

    private @Nullable String string(String s) {
        return s.length() <= maxStringLength ? null : "value holds a string of " + s.length()
                + " characters, more than the " + maxStringLength + " the session document's reader accepts";
    }

    /** @return what the document's reader would refuse in the property name {@code name}, or {@code null} */
    @Nullable String name(String name) {
        if (name.length() * 3L <= maxNameBytes) {
            return null; // at most three bytes of UTF-8 per character (a surrogate pair: four for two)
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        return bytes <= maxNameBytes ? null : "value holds a property name of " + bytes
                + " bytes (UTF-8), more than the " + maxNameBytes + " the session document's reader accepts";
    }

    private @Nullable String number(JsonNode node) {
        int digits;
        if (node.isIntegralNumber()) {
            BigInteger n = node.bigIntegerValue();
            if (n.bitLength() * 0.302 + 1 < maxNumberLength) {
                return null; // fewer digits than that for sure (log10(2) < 0.302)
            }
            digits = n.abs().toString().length();
        } else if (node.isBigDecimal()) {
            BigDecimal n = node.decimalValue();
            // Written as BigDecimal.toString: its digits, up to 7 zeros before them, 10 of an exponent.
            if ((long) n.precision() + 17 < maxNumberLength) {
                return null;
            }
            digits = digitsOf(StashJson.DOCUMENTS.writeValueAsString(node));
        } else {
            // A double or float: at most 17 significant digits and 3 of an exponent, as written.
            if (maxNumberLength > 30) {
                return null;
            }
            digits = digitsOf(StashJson.DOCUMENTS.writeValueAsString(node));
        }
        return digits <= maxNumberLength ? null : "value holds a number of " + digits + " digits, more than the "
                + maxNumberLength + " the session document's reader accepts";
    }

    private static int digitsOf(String text) {
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            }
        }
        return digits;
    }

    /** @return whether {@code node} is a number with a fraction (1.5, not 5.0) */
    static boolean hasFraction(JsonNode node) {
        if (node.isBigDecimal()) {
            BigDecimal n = node.decimalValue();
            return n.scale() > 0 && n.signum() != 0 && n.stripTrailingZeros().scale() > 0;
        }
        if (node.isFloatingPointNumber()) {
            double d = node.doubleValue();
            return Double.isFinite(d) && d != Math.rint(d);
        }
        return false;
    }

    /** One walk over a tree: its depth, the first problem, the first number with a fraction. */
    private final class Walk {
        boolean tooDeep;
        @Nullable String problem;
        @Nullable JsonNode fraction;

        /** @param level the levels of arrays and objects around {@code node} */
        void visit(JsonNode node, int level) {
            if (node.isContainer()) {
                int inside = level + 1;
                if (inside > maxValueDepth) {
                    tooDeep = true; // said once the walk ends; not walked further (no deeper recursion)
                    return;
                }
                if (node.isObject()) {
                    for (Map.Entry<String, JsonNode> property : node.properties()) {
                        if (problem == null) {
                            problem = name(property.getKey());
                        }
                        visit(property.getValue(), inside);
                    }
                } else {
                    for (JsonNode element : node) {
                        visit(element, inside);
                    }
                }
            } else if (problem == null) {
                if (node.isString()) {
                    problem = string(node.stringValue());
                } else if (node.isNumber()) {
                    problem = number(node);
                    if (fraction == null && hasFraction(node)) {
                        fraction = node;
                    }
                }
            }
        }
    }
}

package dev.durablestash.core;

import java.util.Arrays;

import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.databind.JsonNode;

/**
 * Writes JSON the way {@link SessionDocument#MAPPER} writes a tree (no spaces, the same string
 * escapes), for strings, integers, booleans and {@code null}: the session document's encoding of a
 * slice ({@link SessionDocument.Slice#encodedFor}) without going through the mapper. Not thread-safe.
 */
final class JsonBytes {

    private static final JsonStringEncoder QUOTE = JsonStringEncoder.getInstance();

    private byte[] buf;
    private int count;

    JsonBytes(int size) {
        buf = new byte[size];
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }
    }

    JsonBytes raw(String ascii) {
        int n = ascii.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf[count++] = (byte) ascii.charAt(i);
        }
        return this;
    }

    JsonBytes bytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, count, bytes.length);
        count += bytes.length;
        return this;
    }

    JsonBytes string(String text) {
        if (plainAscii(text)) {
            return raw("\"").raw(text).raw("\"");
        }
        if (hasLoneSurrogate(text)) {
            // Half of a surrogate pair (a string cut inside an emoji) is a valid Java string, which the
            // encoder below refuses; the mapper writes it escaped. Rare: written as the mapper writes it.
            return bytes(SessionDocument.MAPPER.writeValueAsBytes(text));
        }
        return raw("\"").bytes(QUOTE.quoteAsUTF8(text)).raw("\"");
    }

    /** @return what was written; this buffer itself when it is exactly full (then this must not be written again) */
    byte[] toByteArray() {
        return count == buf.length ? buf : Arrays.copyOf(buf, count);
    }

    /** @return whether the text holds a surrogate that is not part of a high-then-low pair */
    static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a pair
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the text is printable ASCII without a quote or backslash: written as it is */
    private static boolean plainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** @return whether the value is a string, an int or long, a boolean or {@code null} */
    static boolean isSimple(JsonNode node) {
        return node.isString() || node.isInt() || node.isLong() || node.isBoolean() || node.isNull();
    }

    /** Writes a value {@link #isSimple} accepts. */
    JsonBytes simple(JsonNode node) {
        if (node.isString()) {
            return string(node.stringValue());
        }
        if (node.isBoolean()) {
            return raw(node.booleanValue() ? "true" : "false");
        }
        if (node.isNull()) {
            return raw("null");
        }
        return raw(Long.toString(node.longValue()));
    }
}

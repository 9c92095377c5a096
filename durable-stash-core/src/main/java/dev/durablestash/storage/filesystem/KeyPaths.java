package dev.durablestash.storage.filesystem;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * Validates storage keys and maps them to files under a root directory, so that no key can name a
 * file outside the root and no two keys share a file.
 *
 * <p>A key is split at {@code '/'}; every segment but the last becomes a directory, the last one a
 * file with the suffix {@value #OBJECT_SUFFIX}. Each segment is encoded: {@code a-z}, {@code 0-9},
 * {@code '-'} and {@code '_'} stay as they are, every other character (upper-case letters, dots,
 * and the rest of printable ASCII) becomes {@code %XX} with upper-case hex digits. So an encoded
 * name never contains {@code '.'}, never starts with {@code '.'}, and two keys that differ only in
 * letter case never collide, even on a case-insensitive filesystem. Segments longer than
 * {@value #MAX_ENCODED_SEGMENT} characters once encoded are shortened to a prefix, {@code '~'} and
 * the SHA-256 of the whole encoded segment. The suffixes {@value #OBJECT_SUFFIX} and
 * {@value #TEMP_SUFFIX} thus live in a namespace no encoded segment can reach: a key {@code a} and
 * a key {@code a/b} can both exist ({@code a.obj} beside directory {@code a}).
 *
 * <p>Stateless and thread-safe.
 */
final class KeyPaths {

    /** Longest accepted key, in characters (= bytes: keys are ASCII). */
    static final int MAX_KEY_LENGTH = 1024;

    /** File-name suffix of committed objects. */
    static final String OBJECT_SUFFIX = ".obj";

    /**
     * File-name suffix of the file beside a shortened object that holds its key (US-ASCII), so a
     * listing can name the object: {@code <name>.obj.key}.
     */
    static final String KEY_FILE_SUFFIX = ".key";

    /** File-name suffix of temporary files written before the atomic move. */
    static final String TEMP_SUFFIX = ".tmp";

    private static final int MAX_ENCODED_SEGMENT = 120;
    private static final int HASHED_PREFIX = 60;
    private static final int MAX_QUOTED_KEY = 100;

    private KeyPaths() {
    }

    /**
     * Checks that a key is acceptable: non-empty, at most {@value #MAX_KEY_LENGTH} characters of
     * printable ASCII, no backslash, not absolute, no empty, {@code "."} or {@code ".."} segments.
     *
     * @param key the key to check
     * @throws IllegalArgumentException naming the key and the rule it breaks
     */
    static void validate(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw invalid(key, "it is empty");
        }
        if (key.length() > MAX_KEY_LENGTH) {
            throw invalid(key, "it is longer than " + MAX_KEY_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw invalid(key, "it contains a control character at index " + i);
            }
            if (c > 0x7f) {
                throw invalid(key, "it contains a non-ASCII character at index " + i);
            }
            if (c == '\\') {
                throw invalid(key, "it contains a backslash at index " + i);
            }
        }
        if (key.charAt(0) == '/') {
            throw invalid(key, "it is absolute (starts with '/')");
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                throw invalid(key, "it has an empty segment ('//' or a trailing '/')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw invalid(key, "it has a '" + segment + "' segment");
            }
        }
    }

    /**
     * Validates a key and resolves the file that holds its object.
     *
     * @param root the backend's root directory (absolute, normalised)
     * @param key the key
     * @return a path strictly below {@code root}
     * @throws IllegalArgumentException when the key is not acceptable
     */
    static Path objectFile(Path root, String key) {
        validate(key);
        String[] segments = key.split("/", -1);
        Path path = root;
        for (int i = 0; i < segments.length - 1; i++) {
            path = path.resolve(encodeSegment(segments[i]));
        }
        path = path.resolve(encodeSegment(segments[segments.length - 1]) + OBJECT_SUFFIX);
        if (!path.normalize().startsWith(root) || path.equals(root)) {
            // Unreachable after validation and encoding; kept as a last line of defence.
            throw invalid(key, "it resolves outside the root directory");
        }
        return path;
    }

    /**
     * @param objectFile a file returned by {@link #objectFile}
     * @param unique a per-write unique token (hex digits)
     * @return the temporary file to write before moving it over {@code objectFile}
     */
    static Path tempFile(Path objectFile, String unique) {
        return objectFile.resolveSibling(objectFile.getFileName() + "." + unique + TEMP_SUFFIX);
    }

    /**
     * @param objectFile a file returned by {@link #objectFile}
     * @return the file beside it that holds its key when its path was shortened
     */
    static Path keyFile(Path objectFile) {
        return objectFile.resolveSibling(objectFile.getFileName() + KEY_FILE_SUFFIX);
    }

    /**
     * @param fileName a file name found under the root
     * @return whether it is a temporary file written by this backend
     */
    static boolean isTempFile(String fileName) {
        return fileName.endsWith(TEMP_SUFFIX) && fileName.contains(OBJECT_SUFFIX + ".");
    }

    /**
     * @param encoded a file or directory name made by {@link #encodeSegment} (without the object suffix)
     * @return the segment it encodes, or {@code null} when it cannot be decoded: a shortened (hashed)
     *     segment, or a name this class did not make
     */
    static @Nullable String decodeSegment(String encoded) {
        StringBuilder decoded = new StringBuilder(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                decoded.append(c);
            } else if (c == '%' && i + 2 < encoded.length() && HexFormat.isHexDigit(encoded.charAt(i + 1))
                    && HexFormat.isHexDigit(encoded.charAt(i + 2))) {
                decoded.append((char) HexFormat.fromHexDigits(encoded, i + 1, i + 3));
                i += 2;
            } else {
                return null;
            }
        }
        return decoded.isEmpty() ? null : decoded.toString();
    }

    static String encodeSegment(String segment) {
        StringBuilder encoded = new StringBuilder(segment.length() + 8);
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                encoded.append(c);
            } else {
                encoded.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        if (encoded.length() <= MAX_ENCODED_SEGMENT) {
            return encoded.toString();
        }
        return encoded.substring(0, HASHED_PREFIX) + "~" + HexFormat.of().formatHex(sha256(encoded.toString()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static IllegalArgumentException invalid(String key, String reason) {
        return new IllegalArgumentException("Invalid storage key " + quote(key) + ": " + reason);
    }

    /** Quotes a key for a message, escaping non-printable characters and shortening long keys. */
    static String quote(String key) {
        StringBuilder quoted = new StringBuilder("\"");
        int end = Math.min(key.length(), MAX_QUOTED_KEY);
        for (int i = 0; i < end; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else if (c == '"') {
                quoted.append("\\\"");
            } else {
                quoted.append(c);
            }
        }
        if (end < key.length()) {
            quoted.append("...");
        }
        return quoted.append('"').toString();
    }
}

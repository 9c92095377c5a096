package dev.durablestash.storage.s3;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/*
 * Design. S3 sends ETags quoted, as HTTP does; the storage SPI hands them out bare, so that a caller can
 * compare them without knowing the wire form. Everything that crosses that line goes through here, and
 * so does reading user metadata, whose keys come back in whatever case the store chose.
 */
/** ETag and user-metadata forms on the wire. Stateless. */
final class ETags {

    private ETags() {
    }

    /** @return the ETag without a weak marker or surrounding quotes */
    static String unquote(String etag) {
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    /** @return the ETag in quotes, as HTTP and AWS S3 want it in a header */
    static String quote(String etag) {
        return "\"" + unquote(etag) + "\"";
    }

    /** @return the value of a user metadata entry, whatever case the store sent its key in */
    static @Nullable String metadata(Map<String, String> metadata, String key) {
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            if (entry.getKey().equalsIgnoreCase(key)) {
                return entry.getValue();
            }
        }
        return null;
    }
}

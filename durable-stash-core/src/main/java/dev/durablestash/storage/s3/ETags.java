package dev.durablestash.storage.s3;

import java.util.Map;

import org.jspecify.annotations.Nullable;

/*
 * Design. S3 sends ETags quoted, as HTTP does; the storage SPI hands them out bare, so that a caller can
 * compare them without knowing the wire form. Everything that crosses that line goes through here, and
 * so does reading user metadata, whose keys come back in whatever case the store chose, and a parameter
 * of a content type, which a store may send back with other spacing or case.
 */
/** ETag, user-metadata and content-type forms on the wire. Stateless. */
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

    /**
     * @param contentType a content type as a store sent it back, or {@code null}
     * @param name a parameter's name
     * @return the parameter's value (unquoted), whatever the case of its name and the spacing around it;
     *     {@code null} when it has none
     */
    static @Nullable String contentTypeParameter(@Nullable String contentType, String name) {
        if (contentType == null) {
            return null;
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            int equals = parts[i].indexOf('=');
            if (equals > 0 && parts[i].substring(0, equals).strip().equalsIgnoreCase(name)) {
                String value = parts[i].substring(equals + 1).strip();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1)
                        : value;
            }
        }
        return null;
    }
}

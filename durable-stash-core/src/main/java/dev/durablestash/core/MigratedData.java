package dev.durablestash.core;

import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A migrator's data held to what a stash may store: each key's name and value must be readable back
 * inside the session document ({@link DocumentLimits}), or writing the data would make the whole
 * document unreadable, and with it every view of the session. The values are returned as the
 * document will hold them (written and read back by its mapper), so what the view recovers now is
 * what a restarted instance recovers. The declared types are not checked here: a value that does not
 * fit its key's type is not recovered, as a stored one.
 */
final class MigratedData {

    private static final DocumentLimits LIMITS = DocumentLimits.DOCUMENTS;

    private MigratedData() {
    }

    /**
     * @param data what a view's migrator returned
     * @return the data as the session document will hold it
     * @throws IllegalArgumentException naming the key and what is wrong, when a key's name or value
     *     could not be stored and read back inside the document
     */
    static ObjectNode checked(ObjectNode data) {
        ObjectNode stored = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> property : data.properties()) {
            String key = property.getKey();
            String problem = JsonBytes.hasLoneSurrogate(key)
                    ? "the name holds half of a surrogate pair, which the session document's reader refuses"
                    : LIMITS.name(key);
            JsonNode value = property.getValue();
            if (problem == null) {
                problem = LIMITS.check(value).problem(); // walked first: the limits say more than the mapper
            }
            JsonNode asStored = null;
            if (problem == null) {
                try {
                    asStored = StashJson.DOCUMENTS.readTree(StashJson.DOCUMENTS.writeValueAsBytes(value));
                } catch (RuntimeException e) { // a POJO node that does not serialise, a name the reader refuses
                    problem = "value cannot be stored as JSON: " + firstLine(e);
                }
            }
            if (problem != null) {
                throw new IllegalArgumentException("key '" + key + "': " + problem);
            }
            stored.set(key, asStored);
        }
        return stored;
    }

    /** @return the first line of the exception's message (Jackson's next lines say where: no source here) */
    private static String firstLine(Throwable e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

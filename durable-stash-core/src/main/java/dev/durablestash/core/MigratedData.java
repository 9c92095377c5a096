package dev.durablestash.core;

import java.util.ArrayDeque;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A migrator's data held to what the session document can hold: each key's name and value must read
 * back inside the document ({@link DocumentLimits}), or writing the data would make the whole document
 * unreadable, and with it every view of the session. The values are returned as the document will
 * hold them (written and read back by its mapper), so what the view recovers now is what a restarted
 * instance recovers. A value must be JSON nodes: a POJO or raw value node ({@code putPOJO},
 * {@code putRawValue}) would be written by the document's mapper, not the application's, and so
 * stored as another value than the application meant. The declared types are not checked here: a
 * value that does not fit its key's type is not recovered, as a stored one.
 */
final class MigratedData {

    private static final DocumentLimits LIMITS = DocumentLimits.DOCUMENTS;

    private MigratedData() {
    }

    /** Migrated data that the session document could not hold; its message names the key and why. */
    static final class UnstorableException extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        UnstorableException(String key, String problem) {
            super("key '" + key + "': " + problem);
        }
    }

    /**
     * @param data what a view's migrator returned
     * @return the data as the session document will hold it
     * @throws UnstorableException when a key's name or value could not be stored and read back inside
     *     the document, or a value holds a POJO or raw value node
     */
    static ObjectNode checked(ObjectNode data) {
        ObjectNode stored = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> property : data.properties()) {
            String key = property.getKey();
            if (JsonBytes.hasLoneSurrogate(key)) {
                throw new UnstorableException(key, "the name holds half of a surrogate pair, which the session"
                        + " document's reader refuses");
            }
            String problem = LIMITS.name(key);
            if (problem != null) {
                throw new UnstorableException(key, problem);
            }
            stored.set(key, asStored(key, property.getValue()));
        }
        return stored;
    }

    /** @return the value as the document holds it, written and read back first (which ends a cycle at once) */
    private static JsonNode asStored(String key, JsonNode value) {
        JsonNode tree;
        try {
            tree = StashJson.DOCUMENTS.readTree(StashJson.DOCUMENTS.writeValueAsBytes(value));
        } catch (Throwable e) { // also an Error a POJO's getter throws (a failed assert)
            if (e instanceof VirtualMachineError fatal && !(e instanceof StackOverflowError)) {
                throw fatal;
            }
            String tooDeep = ValueCodec.tooDeep(e);
            throw new UnstorableException(key, tooDeep != null ? LIMITS.depthProblem(tooDeep)
                    : "value cannot be stored as JSON: " + firstLine(e));
        }
        if (holdsAPojo(value)) {
            throw new UnstorableException(key, "value holds a POJO or raw value node (putPOJO, putRawValue), which"
                    + " the session document would write with its own mapper, not the application's: return JSON"
                    + " nodes (the application's mapper's valueToTree makes them)");
        }
        String problem = LIMITS.check(tree).problem();
        if (problem != null) {
            throw new UnstorableException(key, problem);
        }
        return tree;
    }

    /** @return whether a POJO node is anywhere in {@code value} (written once already: finite, no cycle) */
    private static boolean holdsAPojo(JsonNode value) {
        ArrayDeque<JsonNode> nodes = new ArrayDeque<>();
        nodes.push(value);
        while (!nodes.isEmpty()) {
            JsonNode node = nodes.pop();
            if (node.isPojo()) {
                return true;
            }
            for (JsonNode child : node) {
                nodes.push(child);
            }
        }
        return false;
    }

    /** @return the first line of the exception's message (Jackson's next lines say where: no source here) */
    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}

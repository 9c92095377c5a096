package dev.durablestash.spring.testsupport;

import java.util.Set;
import java.util.stream.Collectors;

import dev.durablestash.testing.InMemoryStorageBackend;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a test's in-memory store holds of browser sessions' state. An end of a browser session (logout) or a
 * rotation of its id (login) leaves an empty session document under the old id's key, which refuses a late
 * write of that session: such a key holds no state.
 */
public final class StoredState {

    private static final JsonMapper READER = JsonMapper.builder().build();

    private StoredState() {
    }

    /**
     * @return the keys whose objects hold state: every object but a plain session document without views
     *     (an encrypted one, or anything else, counts as state)
     */
    public static Set<String> keysWithState(InMemoryStorageBackend storage) {
        return storage.keys().stream().filter(key -> storage.read(key).map(StoredState::holdsState).orElse(false))
                .collect(Collectors.toUnmodifiableSet());
    }

    private static boolean holdsState(byte[] body) {
        JsonNode document;
        try {
            document = READER.readTree(body);
        } catch (RuntimeException notJson) {
            return true;
        }
        if (!document.isObject() || !document.has("format") || document.has("moved")) {
            return true;
        }
        JsonNode views = document.get("views");
        return views != null && !views.isEmpty();
    }
}

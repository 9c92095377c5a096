package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * For tests of {@link ViewBinding} and change detection without a web layer: one engine on an
 * in-memory backend and the views' registry, made afresh for each test and closed after it.
 */
abstract class BindingTestSupport {

    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    final InMemoryStorageBackend storage = new InMemoryStorageBackend();
    StashSettings settings = StashSettings.builder().secret(SECRET).build();
    StashAdapter adapter = new StashAdapter(storage, settings);
    StashedViews views = new StashedViews(settings, List.of());

    @AfterEach
    void closeAdapter() {
        adapter.close();
    }

    /** Replaces the engine and the registry by ones with these settings (same backend). */
    void use(StashSettings newSettings) {
        adapter.close();
        settings = newSettings;
        adapter = new StashAdapter(storage, settings);
        views = new StashedViews(settings, List.of());
    }

    /** @return a binding of {@code target} recovered as a rejoin of browser session {@code sid} */
    ViewBinding recover(Object target, String sid) {
        return ViewBinding.recover(views.typeOf(target.getClass()), target, sid, MountKind.REJOIN, adapter, TIMEOUT);
    }

    /** @return the one stored document, as text */
    String storedDocument() {
        assertThat(storage.keys()).as("stored documents").hasSize(1);
        return new String(storage.read(storage.keys().iterator().next()).orElseThrow());
    }
}

package dev.durablestash.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.durablestash.storage.StorageBackend;

/**
 * The engines a test opens (several instances over one store, for example), each closed after the
 * test. Register it as an instance field with {@code @RegisterExtension}.
 */
final class OpenEngines implements AfterEachCallback {

    private final List<StashAdapter> open = new ArrayList<>();

    /** @return a new engine over {@code backend}, closed after the test */
    StashAdapter open(StorageBackend backend, StashSettings.Builder settings) {
        StashAdapter adapter = new StashAdapter(backend, settings.build());
        open.add(adapter);
        return adapter;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        open.forEach(StashAdapter::close);
        open.clear();
    }
}

package dev.durablestash.core;

import java.util.Collection;
import java.util.Map;

final class ValueCodec {
    ValueCodec(StashSettings settings) {
    }

    SliceDiff encode(ViewDefinition view, Map<String, ?> changed, Collection<String> removed) {
        throw new UnsupportedOperationException("engine not implemented yet");
    }
}

package dev.durablestash.core;

final class SliceDiff {
    static SliceDiff reset(ViewDefinition view) {
        throw new UnsupportedOperationException("engine not implemented yet");
    }
}

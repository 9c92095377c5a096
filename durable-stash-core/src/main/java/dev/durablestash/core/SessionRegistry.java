package dev.durablestash.core;

import java.util.concurrent.CompletionStage;

import dev.durablestash.storage.StorageBackend;

final class SessionRegistry {
    SessionRegistry(StorageBackend backend, StashSettings settings, ValueCodec codec) {
    }

    CompletionStage<Recovery> recover(String sid, ViewDefinition view, MountKind mount) {
        throw new UnsupportedOperationException("engine not implemented yet");
    }

    CompletionStage<Void> stash(String sid, SliceDiff diff) {
        throw new UnsupportedOperationException("engine not implemented yet");
    }

    StashStatistics statistics() {
        throw new UnsupportedOperationException("engine not implemented yet");
    }

    void close() {
    }
}

package com.example.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.Scope;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.core.ViewTurn;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

class EngineCounter {
  static final ViewDefinition COUNTER = ViewDefinition.builder("counter")
      .key("count", int.class)
      .key("draft", String.class, Scope.RECONNECT)
      .build();

  static int increment(StashAdapter stash, String sid) {
    // one increment of this session at a time (in this JVM): no update is lost
    ViewTurn turn = stash.turn(sid, COUNTER).toCompletableFuture().join();
    try {
      Recovery recovery = stash.recover(sid, COUNTER, MountKind.FRESH).toCompletableFuture().join();
      if (recovery.status() == RecoveryStatus.ERROR) { // not read: a count from 0 would replace the stored one
        throw new IllegalStateException("the count could not be read", recovery.error().orElse(null));
      }
      int count = recovery.has("count") ? recovery.<Integer>get("count") : 0;
      stash.stash(sid, COUNTER, Map.of("count", count + 1)).toCompletableFuture().join(); // durable when it returns
      return count + 1;
    } finally {
      turn.close(); // on every path, or the session's next increments wait until they time out
    }
  }

  public static void main(String[] args) {
    try (FileSystemStorageBackend storage = new FileSystemStorageBackend(Path.of("stash-data"));
         StashAdapter stash = new StashAdapter(storage, StashSettings.builder()
             .secret(System.getenv("STASH_SECRET"))           // at least 32 bytes
             .ttl(Duration.ofDays(7))
             .build())) {
      String sid = SessionIds.newSid();                       // kept in a cookie by the caller
      System.out.println(increment(stash, sid));
    }
  }
}

package dev.durablestash.storage.filesystem;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/** {@link FileSystemStorageBackend#listKeys}: the keys back from their file names, in order, page by page. */
class FileSystemKeyListingTests {

    @TempDir
    Path dir;

    @Test
    void keysComeBackDecodedAscendingFilteredByPrefixAndPaged() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            List<String> keys = List.of("p/Zeta", "p/alpha", "p/a.b~c", "p/nested/Deep_key-1", "other/x", "top");
            for (String key : keys) {
                await(backend.put(key, "x".getBytes(StandardCharsets.UTF_8), Precondition.absent()));
            }
            Files.writeString(dir.resolve("p").resolve("stray.txt"), "not an object");

            assertThat(await(backend.listKeys("", null, 100)))
                    .containsExactly("other/x", "p/Zeta", "p/a.b~c", "p/alpha", "p/nested/Deep_key-1", "top");
            assertThat(await(backend.listKeys("p/", null, 2))).containsExactly("p/Zeta", "p/a.b~c");
            assertThat(await(backend.listKeys("p/", "p/a.b~c", 2))).containsExactly("p/alpha", "p/nested/Deep_key-1");
            assertThat(await(backend.listKeys("p/", "p/nested/Deep_key-1", 2))).isEmpty();
        }
    }

    @Test
    void keysWhoseFileNameWasShortenedAreListedFromTheKeyFileBesideThem() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            String longKey = "p/" + "X".repeat(60);
            await(backend.put(longKey, new byte[] {1}, Precondition.absent()));
            await(backend.put("p/short", new byte[] {1}, Precondition.absent()));
            Path keyFile = KeyPaths.keyFile(backend.objectFile(longKey));
            assertThat(keyFile).hasContent(longKey);
            assertThat(await(backend.listKeys("", null, 10))).containsExactly(longKey, "p/short");
            assertThat(await(backend.listKeys("p/X", null, 10))).containsExactly(longKey);

            assertThat(await(backend.delete(longKey, null))).isTrue();
            assertThat(keyFile).doesNotExist();
            assertThat(await(backend.listKeys("", null, 10))).containsExactly("p/short");
        }
    }

    @Test
    void aShortenedObjectWithoutAKeyFileIsLeftOutUntilItIsWrittenAgain() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            String longKey = "p/" + "X".repeat(60);
            PutResult.Written first = (PutResult.Written) await(backend.put(longKey, new byte[] {1}, Precondition.absent()));
            Files.delete(KeyPaths.keyFile(backend.objectFile(longKey))); // as written by an older version
            assertThat(await(backend.listKeys("", null, 10))).isEmpty();
            assertThat(await(backend.get(longKey, null))).isInstanceOf(GetResult.Found.class);

            await(backend.put(longKey, new byte[] {2}, Precondition.matching(first.etag())));
            assertThat(await(backend.listKeys("", null, 10))).containsExactly(longKey);
        }
    }

    @Test
    void aKeyFileNamingAnotherObjectIsIgnored() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            String longKey = "p/" + "X".repeat(60);
            await(backend.put(longKey, new byte[] {1}, Precondition.absent()));
            Files.writeString(KeyPaths.keyFile(backend.objectFile(longKey)), "p/short");
            assertThat(await(backend.listKeys("", null, 10))).isEmpty();
        }
    }

    @Test
    void aLimitBelowOneIsRefused() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            assertThatThrownBy(() -> backend.listKeys("", null, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("limit");
        }
    }
}

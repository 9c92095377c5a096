package dev.durablestash.storage;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
    void keysWhoseFileNameWasShortenedAreLeftOut() throws Exception {
        try (FileSystemStorageBackend backend = new FileSystemStorageBackend(dir)) {
            String longKey = "p/" + "X".repeat(60);
            await(backend.put(longKey, new byte[] {1}, Precondition.absent()));
            await(backend.put("p/short", new byte[] {1}, Precondition.absent()));
            assertThat(await(backend.listKeys("", null, 10))).containsExactly("p/short");
            assertThat(await(backend.get(longKey, null))).isInstanceOf(GetResult.Found.class);
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

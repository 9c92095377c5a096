package com.example.counter;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With durable-stash-test-backend on the test classpath and no storage configured, the tests of an
 * application keep state in memory and write nothing into the working directory (this module's).
 */
@SpringBootTest
class TestStorageTests {

    @Autowired
    StorageBackend storage;

    @Test
    void testsKeepStateInMemoryAndWriteNoStoreAndNoSecretIntoTheWorkingDirectory() {
        assertThat(storage).isInstanceOf(InMemoryStorageBackend.class);
        assertThat(Path.of(".durable-stash")).doesNotExist();
    }
}

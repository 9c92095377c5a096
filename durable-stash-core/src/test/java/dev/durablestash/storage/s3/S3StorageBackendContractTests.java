package dev.durablestash.storage.s3;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;

/**
 * Runs the backend contract suite against {@link S3StorageBackend} on the in-process S3 server
 * (S3Proxy), with a backend that builds its own client as an application would, plus the create race
 * again over two backends (two clients, as two app instances) on one bucket. (The cross-client
 * compare-and-swap counter is covered by the test server's own counter and the three-instance engine test.)
 */
class S3StorageBackendContractTests extends StorageBackendContractTests {

    private static String bucket;
    private static S3StorageBackend second;

    @BeforeAll
    static void createBucket() {
        S3TestServer server = S3TestServer.shared();
        bucket = server.createBucket("contract");
        second = server.backend(bucket);
    }

    @AfterAll
    static void closeSecond() {
        second.close();
    }

    @Override
    protected StorageBackend createBackend() {
        return S3TestServer.backendBuilder(bucket, S3TestServer.shared().endpoint()).build();
    }

    @Test
    void aCreateRaceOverTwoClientsOnOneBucketHasExactlyOneWinner() throws Exception {
        runCreateRaces(List.of(backend, second), 8, 10);
    }
}

package dev.durablestash.storage.s3;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageBackendContractTests;
import dev.durablestash.storage.s3.CephRgwExtension.CephRgwTest;

/**
 * Runs the backend contract suite against {@link S3StorageBackend} on a Ceph RADOS Gateway, with the
 * backend's defaults (nothing configured for Ceph's quirks), plus the create race over two clients.
 */
@CephRgwTest
class CephStorageBackendContractTests extends StorageBackendContractTests {

    private static String bucket;
    private static S3StorageBackend second;

    @BeforeAll
    static void createBucket() {
        bucket = CephRgwExtension.rgw().createBucket("contract");
        second = CephRgwExtension.rgw().backendBuilder(bucket).build();
    }

    @AfterAll
    static void closeSecond() {
        if (second != null) {
            second.close();
        }
    }

    @Override
    protected StorageBackend createBackend() {
        return CephRgwExtension.rgw().backendBuilder(bucket).build();
    }

    /** Fewer than the default, to keep the run short: every conflict costs the gateway a PUT, a HEAD and a GET. */
    @Override
    protected int counterIncrementsPerThread() {
        return 20;
    }

    @Test
    void aCreateRaceOverTwoClientsOnOneBucketHasExactlyOneWinner() throws Exception {
        runCreateRaces(List.of(backend, second), 8, 10);
    }
}

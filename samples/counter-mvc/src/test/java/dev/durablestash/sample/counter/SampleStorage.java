package dev.durablestash.sample.counter;

import java.nio.file.Path;
import java.util.List;

import dev.durablestash.storage.s3.InProcessS3Server;

/** The storage arguments the process tests give the sample. */
final class SampleStorage {

    /** A secret shared by every instance of one test (at least 32 bytes). */
    static final String SECRET = "process-test-secret-0123456789abcdef";

    private SampleStorage() {
    }

    /** @return arguments that keep the state under {@code directory} (its generated secret too) */
    static List<String> filesystem(Path directory) {
        return List.of("--durable-stash.storage.filesystem.directory=" + directory.toAbsolutePath());
    }

    /**
     * A bucket of the in-process S3 test server, and the secret: no {@code storage.type}, since setting
     * a bucket selects S3. Only loopback is contacted (the endpoint is an address, the region and the
     * credentials are given).
     *
     * @param bucket a bucket of {@link InProcessS3Server}
     */
    static List<String> s3(String bucket) {
        return List.of(
                "--durable-stash.storage.s3.bucket=" + bucket,
                "--durable-stash.storage.s3.endpoint=" + InProcessS3Server.endpoint(),
                "--durable-stash.storage.s3.region=us-east-1",
                "--durable-stash.storage.s3.path-style-access=true",
                "--durable-stash.storage.s3.access-key-id=" + InProcessS3Server.ACCESS_KEY_ID,
                "--durable-stash.storage.s3.secret-access-key=" + InProcessS3Server.SECRET_ACCESS_KEY,
                "--durable-stash.secret=" + SECRET);
    }
}

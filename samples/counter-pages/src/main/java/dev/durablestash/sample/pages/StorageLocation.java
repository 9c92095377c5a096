package dev.durablestash.sample.pages;

import java.net.URI;

import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/**
 * Where the sample's state lives, in words for the page, read from the {@code durable-stash.storage.*}
 * properties the app runs with.
 *
 * @param kind {@code directory}, {@code bucket} or {@code memory}
 * @param where the absolute directory, {@code s3://bucket/prefix} (plus the endpoint, if one is
 *     configured), or a note that memory is lost on restart
 */
public record StorageLocation(String kind, String where) {

    /**
     * @param properties the properties the app runs with
     * @return where they put the state
     */
    public static StorageLocation of(DurableStashProperties properties) {
        DurableStashProperties.Storage storage = properties.getStorage();
        return switch (storage.resolvedType()) {
            case FILESYSTEM -> new StorageLocation("directory",
                    storage.getFilesystem().getDirectory().toAbsolutePath().normalize().toString());
            case S3 -> {
                DurableStashProperties.S3 s3 = storage.getS3();
                URI endpoint = s3.getEndpoint();
                yield new StorageLocation("bucket", "s3://" + s3.getBucket() + "/" + s3.getPrefix()
                        + (endpoint == null ? "" : " at " + endpoint));
            }
            case MEMORY -> new StorageLocation("memory", "this app's memory (lost when it stops)");
        };
    }
}

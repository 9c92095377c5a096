package dev.durablestash.spring.autoconfigure;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The two clients the starter builds when the application has no {@link S3AsyncClient} bean, each from
 * the properties and the customizers: {@code reads}, the bean {@code durableStashS3Client}, and
 * {@code writes}, the same settings with no retries and plain bodies ({@link S3ClientBuilders#forWrites}),
 * the backend's write client. Not an {@link S3AsyncClient} bean itself, so that it neither counts as the
 * application's client nor is offered to other beans. Closes both with the application context.
 *
 * @param reads the client of reads, also the bean {@code durableStashS3Client}
 * @param writes the client of the backend's PUTs and DELETEs
 */
record OwnS3Clients(S3AsyncClient reads, S3AsyncClient writes) implements AutoCloseable {

    @Override
    public void close() {
        try {
            writes.close();
        } finally {
            reads.close();
        }
    }
}

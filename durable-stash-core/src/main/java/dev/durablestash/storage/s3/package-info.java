/**
 * The S3 storage backend: {@link dev.durablestash.storage.s3.S3StorageBackend}, on the AWS SDK for
 * Java v2 asynchronous client, for AWS S3 and S3-compatible stores (MinIO, Cloudflare R2, Tigris, …).
 *
 * <p>The AWS SDK is an optional dependency of this module: applications that use this package add
 * {@code software.amazon.awssdk:s3} (and an asynchronous HTTP client such as
 * {@code software.amazon.awssdk:netty-nio-client}) themselves.
 */
@NullMarked
package dev.durablestash.storage.s3;

import org.jspecify.annotations.NullMarked;

/**
 * The S3 storage backend: {@link dev.durablestash.storage.s3.S3StorageBackend}, on the AWS SDK for
 * Java v2 asynchronous client, for AWS S3 and S3-compatible stores (MinIO, Cloudflare R2, Tigris, …).
 * The backend takes a ready {@code S3AsyncClient} and leaves its lifecycle to the caller; the
 * package-private classes beside it each hold one mechanism (see their opening comments).
 *
 * <p>The AWS SDK is an optional dependency of this module: applications that use this package add
 * {@code software.amazon.awssdk:s3} (and an asynchronous HTTP client such as
 * {@code software.amazon.awssdk:netty-nio-client}) themselves.
 */
@NullMarked
package dev.durablestash.storage.s3;

import org.jspecify.annotations.NullMarked;

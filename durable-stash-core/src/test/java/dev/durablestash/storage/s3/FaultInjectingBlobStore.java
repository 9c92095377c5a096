package dev.durablestash.storage.s3;

import java.io.InputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The test server's outer blob-store layer: counts the object operations that reach the store and
 * injects faults, per bucket (see {@link BucketFaults}), so tests sharing the server do not disturb
 * each other.
 *
 * <p>Counted are the operations S3Proxy hands to its blob store: a GET (also one answered 304), a
 * PUT that passed S3Proxy's own precondition pre-check, a DELETE.
 */
final class FaultInjectingBlobStore extends ForwardingBlobStore {

    private final ConcurrentMap<String, BucketFaults> buckets = new ConcurrentHashMap<>();

    FaultInjectingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    BucketFaults faults(String bucket) {
        return buckets.computeIfAbsent(bucket, b -> new BucketFaults());
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        BucketFaults faults = faults(request.bucket());
        faults.puts.increment();
        faults.beforeOperation();
        PutObjectResponse response = delegate().putBlob(request, input);
        faults.afterWrite();
        return response;
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        BucketFaults faults = faults(request.bucket());
        faults.gets.increment();
        faults.beforeOperation();
        return delegate().getBlob(request);
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        BucketFaults faults = faults(request.bucket());
        faults.deletes.increment();
        faults.beforeOperation();
        faults.beforeDelete();
        DeleteObjectResponse response = delegate().removeBlob(request);
        faults.afterWrite();
        return response;
    }
}

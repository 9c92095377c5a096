package dev.durablestash.sample.counter;

import java.io.InputStream;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The S3 test server's store, made to stall: while {@link #stall() stalled}, every object operation
 * waits until {@link #resume()}, so the server accepts connections and requests and answers none of
 * them. What waited then goes ahead: a write whose caller gave up may land late, as on a real store.
 * Thread-safe.
 */
final class StallingBlobStore extends ForwardingBlobStore {

    private final Object lock = new Object();
    private boolean stalled;

    StallingBlobStore(BlobStore delegate) {
        super(delegate);
    }

    void stall() {
        synchronized (lock) {
            stalled = true;
        }
    }

    void resume() {
        synchronized (lock) {
            stalled = false;
            lock.notifyAll();
        }
    }

    private void awaitResumed() {
        synchronized (lock) {
            while (stalled) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while stalled", e);
                }
            }
        }
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        awaitResumed();
        return delegate().putBlob(request, input);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        awaitResumed();
        return delegate().getBlob(request);
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        awaitResumed();
        return delegate().removeBlob(request);
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        awaitResumed();
        return delegate().blobMetadata(request);
    }

    @Override
    public boolean blobExists(String bucket, String key) {
        awaitResumed();
        return delegate().blobExists(bucket, key);
    }
}

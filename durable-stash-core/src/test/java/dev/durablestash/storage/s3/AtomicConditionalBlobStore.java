package dev.durablestash.storage.s3;

import java.io.InputStream;
import java.util.concurrent.locks.ReentrantLock;

import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.S3Exceptions;

import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * Makes S3Proxy's conditional writes atomic, as they are on AWS S3.
 *
 * <p>S3Proxy checks {@code If-Match} in its HTTP handler with a HEAD before it writes, so two
 * concurrent PUTs with the same {@code If-Match} can both pass the check (a CAS counter over 8 threads
 * lost 60–100 of 1,600 increments). This wrapper holds a per-key lock (striped) across the ETag check
 * and the write, and across conditional deletes, and evaluates {@code If-Match} / {@code If-None-Match}
 * again under it, so of several concurrent conditional writes at most one succeeds. Reads take no lock,
 * as on S3. Public for the samples' end-to-end suites, which run S3Proxy servers of their own (test
 * support, not an API). Thread-safe.
 */
public final class AtomicConditionalBlobStore extends ForwardingBlobStore {

    private final ReentrantLock[] stripes = new ReentrantLock[256];

    /** @param delegate the store whose conditional writes and deletes are made atomic */
    public AtomicConditionalBlobStore(BlobStore delegate) {
        super(delegate);
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        ReentrantLock lock = lockFor(request.bucket(), request.key());
        lock.lock();
        try {
            if (request.ifNoneMatch() != null || request.ifMatch() != null) {
                HeadObjectResponse current = delegate().blobMetadataIfPresent(request.bucket(), request.key());
                if (request.ifNoneMatch() != null && current != null) {
                    throw S3Exceptions.fromStatusCode(412);
                }
                if (request.ifMatch() != null && !"*".equals(request.ifMatch())) {
                    if (current == null) {
                        throw S3Exceptions.noSuchKey(request.bucket(), request.key(), null);
                    }
                    if (!ETags.unquote(current.eTag()).equals(ETags.unquote(request.ifMatch()))) {
                        throw S3Exceptions.fromStatusCode(412);
                    }
                }
            }
            return delegate().putBlob(request, input);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        ReentrantLock lock = lockFor(request.bucket(), request.key());
        lock.lock();
        try {
            if (request.ifMatch() != null && !"*".equals(request.ifMatch())) {
                HeadObjectResponse current = delegate().blobMetadataIfPresent(request.bucket(), request.key());
                if (current != null
                        && !ETags.unquote(current.eTag()).equals(ETags.unquote(request.ifMatch()))) {
                    throw S3Exceptions.fromStatusCode(412);
                }
            }
            return delegate().removeBlob(request);
        } finally {
            lock.unlock();
        }
    }

    private ReentrantLock lockFor(String bucket, String key) {
        int hash = (bucket + "/" + key).hashCode();
        return stripes[Math.floorMod(hash ^ (hash >>> 16), stripes.length)];
    }
}

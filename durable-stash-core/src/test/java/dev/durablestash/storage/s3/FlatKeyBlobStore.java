package dev.durablestash.storage.s3;

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
 * Stores every key of S3Proxy's transient store as one flat file name ({@code /} escaped), because
 * that store maps keys onto a file tree, where {@code a/b} and {@code a/b/c} cannot both exist (one is
 * a file, the other needs it to be a directory). On S3 they are independent keys. Only the object
 * operations the backend uses are mapped; listings are not.
 */
final class FlatKeyBlobStore extends ForwardingBlobStore {

    FlatKeyBlobStore(BlobStore delegate) {
        super(delegate);
    }

    static String flat(String key) {
        return key.replace("%", "%25").replace("/", "%2F");
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream input) {
        return delegate().putBlob(request.toBuilder().key(flat(request.key())).build(), input);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getBlob(GetObjectRequest request) {
        return delegate().getBlob(request.toBuilder().key(flat(request.key())).build());
    }

    @Override
    public DeleteObjectResponse removeBlob(DeleteObjectRequest request) {
        return delegate().removeBlob(request.toBuilder().key(flat(request.key())).build());
    }

    @Override
    public HeadObjectResponse blobMetadata(HeadObjectRequest request) {
        return delegate().blobMetadata(request.toBuilder().key(flat(request.key())).build());
    }

    @Override
    public boolean blobExists(String bucket, String key) {
        return delegate().blobExists(bucket, flat(key));
    }
}

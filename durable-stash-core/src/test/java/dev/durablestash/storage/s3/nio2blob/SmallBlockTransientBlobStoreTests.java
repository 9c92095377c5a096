package dev.durablestash.storage.s3.nio2blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.Arrays;

import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The tests' in-memory S3 store keeps an object of a few hundred bytes in one small block, not in the
 * 8 KiB of S3Proxy's own transient store, and reads back what it stored.
 */
class SmallBlockTransientBlobStoreTests {

    @Test
    void aHundredDocumentsOfFourHundredBytesTakeAHundredBlocksOfAKibibyte() throws Exception {
        SmallBlockTransientBlobStore store = new SmallBlockTransientBlobStore();
        store.createContainer("blocks");
        long before = store.allocatedBytes();
        byte[] document = new byte[400];
        Arrays.fill(document, (byte) 'x');
        for (int i = 0; i < 100; i++) {
            String key = "doc-" + i;
            store.putBlob(PutObjectRequest.builder().bucket("blocks").key(key).contentLength((long) document.length)
                    .build(), new ByteArrayInputStream(document));
        }
        assertThat(store.allocatedBytes() - before).as("bytes of blocks that hold the hundred documents")
                .isEqualTo(100L * 1024);
        try (ResponseInputStream<GetObjectResponse> read = store.getBlob("blocks", "doc-7")) {
            assertThat(read.readAllBytes()).isEqualTo(document);
        }
    }

    @Test
    void itAnswersVersioningAndEncryptionAsS3ProxysTransientStoreDoes() {
        TransientNio2BlobStore s3ProxysOwn = new TransientNio2BlobStore();
        SmallBlockTransientBlobStore store = new SmallBlockTransientBlobStore();
        assertThat(store.supportsVersioning()).isEqualTo(s3ProxysOwn.supportsVersioning());
        assertThat(store.supportsServerSideEncryption()).isEqualTo(s3ProxysOwn.supportsServerSideEncryption());
        assertThat(store.supportsBucketEncryption()).isEqualTo(s3ProxysOwn.supportsBucketEncryption());
        assertThat(store.supportsCopyMultipartPart()).isEqualTo(s3ProxysOwn.supportsCopyMultipartPart());
    }
}

package dev.durablestash.storage.s3.nio2blob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;

import org.gaul.s3proxy.nio2blob.AbstractNio2BlobStore;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;

/**
 * S3Proxy's transient store (its {@code TransientNio2BlobStore}: objects kept as files of an in-memory
 * file system that lives and dies with the process) on a file system of small blocks. That store keeps
 * every file in blocks of 8 KiB, so each object of a few hundred bytes took about 10 KiB of the JVM's
 * heap with its metadata: the S3 benchmark's 29,000 objects held about 280 MiB of its 512 MiB, the
 * engine, the client and the server shared the rest, and the garbage collector ran a concurrent cycle
 * every few seconds for a reason no deployment has (its store is not in its heap). Here a file takes
 * blocks of {@value #BLOCK_BYTES} bytes (such an object about 3 KiB of heap); everything else is
 * S3Proxy's store as it is, versioning and encryption answered as that store answers them.
 *
 * <p>It lives in a package named {@code nio2blob} because S3Proxy tells its stores' quirks by their
 * class names: so named, it is taken for S3Proxy's {@code filesystem} store, which S3Proxy treats
 * exactly as its {@code transient} one; under any other name S3Proxy answers every conditional PUT
 * 501 Not Implemented.
 */
public final class SmallBlockTransientBlobStore extends AbstractNio2BlobStore {

    /** Bytes per block of the in-memory file system: a document of the tests takes one or two. */
    static final int BLOCK_BYTES = 1024;

    /** A new, empty store. */
    public SmallBlockTransientBlobStore() {
        super(Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("posix", "user")
                .setWorkingDirectory("/")
                .setBlockSize(BLOCK_BYTES)
                .build()).getPath("/"));
    }

    /** @return the bytes of the file system's blocks that hold files now */
    public long allocatedBytes() {
        try {
            FileStore blocks = Files.getFileStore(getRoot());
            return blocks.getTotalSpace() - blocks.getUnallocatedSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean supportsVersioning() {
        return true;
    }

    @Override
    public boolean supportsServerSideEncryption() {
        return true;
    }

    @Override
    public boolean supportsBucketEncryption() {
        return true;
    }
}

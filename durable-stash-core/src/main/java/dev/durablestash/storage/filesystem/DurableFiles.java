package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * The file operations under {@link FileSystemStorageBackend}'s compare-and-swap, which holds the key's
 * lock around them: an object's ETag (a hash of its content), an atomic durable replace (temp file,
 * fsync, atomic move, fsync directory) and the creation of missing directories, each forced to
 * disk. Blocking; called on the backend's executor. Thread-safe.
 */
final class DurableFiles {

    private static final int ETAG_LENGTH = 32;
    private static final boolean DIRECTORY_SYNC_SUPPORTED =
            !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private final Path root;
    private final SecureRandom random;

    DurableFiles(Path root, SecureRandom random) {
        this.root = root;
        this.random = random;
    }

    /** Reads the current object's ETag, or {@code null} when there is none. */
    static @Nullable String currentEtag(Path file) throws IOException {
        try {
            return etagOf(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Atomically replaces the file's content: temp file, fsync, atomic move, fsync directory. */
    void replace(Path file, byte[] body) throws IOException {
        Path directory = file.getParent();
        createDirectories(directory);
        byte[] unique = new byte[8];
        random.nextBytes(unique);
        Path temp = KeyPaths.tempFile(file, HexFormat.of().formatHex(unique));
        try {
            try (FileChannel channel = OwnerOnly.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(body);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(directory);
    }

    /**
     * Overwrites a file in place (creating it when missing), without {@code fsync}: for writes a
     * journal made durable already. Not atomic: readers must not run meanwhile (the backend holds its
     * stripe's write lock, readers the read lock), and a crash midway
     * leaves a mix, which the journal's replay repairs.
     */
    void overwrite(Path file, byte[] body) throws IOException {
        createDirectories(file.getParent());
        try (FileChannel channel = OwnerOnly.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(body);
            long position = 0;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            channel.truncate(body.length);
        }
    }

    /** Forces a file's content to disk; does nothing when there is no such file. */
    static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (NoSuchFileException e) {
            // Deleted: its directory's entry is forced by the caller.
        }
    }

    /** Creates missing directories below the root, forcing each new entry to disk. */
    void createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path current = root;
        for (Path name : root.relativize(directory)) {
            current = current.resolve(name);
            if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                OwnerOnly.createDirectory(current);
                syncDirectory(current.getParent());
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Forces a key's directory to disk, or, when it does not exist, its nearest ancestor that does (up
     * to the root). A journaled delete of a key whose directory was never created (deleting an absent
     * key succeeds, and is journaled all the same) names a directory that does not exist: there is no
     * entry in it to force, and what says that none of its files exist is the ancestor's entry. Fails
     * when the root itself is gone.
     */
    void syncExistingDirectory(Path directory) throws IOException {
        Path current = directory;
        while (true) {
            try {
                syncDirectory(current);
                return;
            } catch (NoSuchFileException e) {
                if (current.equals(root) || !current.startsWith(root)) {
                    throw e;
                }
                current = current.getParent();
            }
        }
    }

    static void syncDirectory(Path directory) throws IOException {
        if (!DIRECTORY_SYNC_SUPPORTED) {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * @param body content
     * @return its ETag: the first 32 characters of the unpadded base64url SHA-256
     */
    static String etagOf(byte[] body) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, ETAG_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}

package dev.durablestash.spring.autoconfigure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;

/**
 * The secret generated for the filesystem default when {@code durable-stash.secret} is not set:
 * 256 random bits kept in {@value #FILE_NAME} in the storage directory (owner read/write only on
 * POSIX filesystems), made once and reused on every restart so stored state stays reachable.
 *
 * <p>The file is written the way the filesystem backend writes documents: a temporary file in the
 * same directory, written and forced to disk, then given its name in one step, then the directory
 * forced too (where the OS supports it). A power cut therefore leaves either no secret file or the
 * whole secret, never a short one. The name is given with a hard link, which fails when the file
 * exists: of several processes starting together on one directory, the first one's secret is kept
 * and the others read it. (On filesystems without hard links, a rename that refuses to replace an
 * existing file is used instead.) A secret file that is short or not printable text fails startup
 * with a message naming the file: a damaged secret is never used, since state written under it
 * would be lost once the file is repaired.
 */
final class GeneratedSecret {

    static final String FILE_NAME = ".secret";

    private static final Logger log = LoggerFactory.getLogger(GeneratedSecret.class);

    private static final boolean DIRECTORY_SYNC_SUPPORTED =
            !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private GeneratedSecret() {
    }

    /**
     * @param directory the storage directory; created when missing
     * @return the secret kept in the directory, generated and written durably first if there is none
     * @throws IllegalStateException when the file cannot be read or written, or holds no valid secret
     */
    static String loadOrCreate(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                return read(file);
            }
            Files.createDirectories(directory);
            String secret = SessionIds.newSid();
            if (!create(directory, file, secret)) {
                return read(file); // another process created it meanwhile
            }
            log.info("Generated a DurableStash secret in {} (set durable-stash.secret to choose one)", file);
            return secret;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read or create the DurableStash secret file " + file
                    + ": set durable-stash.secret, or make the directory writable", e);
        }
    }

    /** @return {@code false} when the file already existed (it was left alone) */
    private static boolean create(Path directory, Path file, String secret) throws IOException {
        Path temp = Files.createTempFile(directory, FILE_NAME, ".tmp", ownerOnly(directory));
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(secret.getBytes(StandardCharsets.US_ASCII));
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            try {
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
                try {
                    Files.move(temp, file); // a rename within the directory; fails if the file exists
                } catch (FileAlreadyExistsException e) {
                    return false;
                }
            }
            syncDirectory(directory);
            return true;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String read(Path file) throws IOException {
        byte[] content = Files.readAllBytes(file);
        int end = content.length;
        while (end > 0 && (content[end - 1] == '\n' || content[end - 1] == '\r')) {
            end--;
        }
        boolean printable = true;
        for (int i = 0; i < end; i++) {
            printable &= content[i] > 0x20 && content[i] < 0x7f;
        }
        if (end < StashSettings.MIN_SECRET_BYTES || !printable) {
            throw new IllegalStateException("The DurableStash secret file " + file + " is damaged or incomplete ("
                    + content.length + " bytes; a secret is at least " + StashSettings.MIN_SECRET_BYTES
                    + " printable ASCII characters without spaces): restore it from a backup, or delete it to "
                    + "generate a new secret (state stored under the old one is then lost), or set "
                    + "durable-stash.secret");
        }
        return new String(content, 0, end, StandardCharsets.US_ASCII);
    }

    private static void syncDirectory(Path directory) throws IOException {
        if (!DIRECTORY_SYNC_SUPPORTED) {
            return;
        }
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static FileAttribute<?>[] ownerOnly(Path directory) {
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) };
        }
        return new FileAttribute<?>[0];
    }
}

package dev.durablestash.spring.autoconfigure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashSettings;

/**
 * The secret generated for the filesystem default when {@code durable-stash.secret} is not set:
 * 256 random bits kept in {@value #FILE_NAME} in the storage directory (owner read/write only on
 * POSIX filesystems), made once and reused on every restart so stored state stays reachable.
 */
final class GeneratedSecret {

    static final String FILE_NAME = ".secret";

    private static final Logger log = LoggerFactory.getLogger(GeneratedSecret.class);

    private GeneratedSecret() {
    }

    static String loadOrCreate(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        try {
            if (Files.exists(file)) {
                return read(file);
            }
            Files.createDirectories(directory);
            String secret = SessionIds.newSid();
            Path temp = Files.createTempFile(directory, FILE_NAME, ".tmp", ownerOnly(directory));
            try {
                Files.writeString(temp, secret, StandardCharsets.UTF_8);
                Files.move(temp, file); // fails if another process created it meanwhile
            } catch (FileAlreadyExistsException e) {
                return read(file);
            } finally {
                Files.deleteIfExists(temp);
            }
            log.info("Generated a DurableStash secret in {} (set durable-stash.secret to choose one)", file);
            return secret;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read or create the DurableStash secret file " + file
                    + ": set durable-stash.secret, or make the directory writable", e);
        }
    }

    private static String read(Path file) throws IOException {
        String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (secret.getBytes(StandardCharsets.UTF_8).length < StashSettings.MIN_SECRET_BYTES) {
            throw new IllegalStateException("The DurableStash secret file " + file + " holds fewer than "
                    + StashSettings.MIN_SECRET_BYTES + " bytes: delete it to generate a new secret "
                    + "(state stored under the old one is lost), or set durable-stash.secret");
        }
        return secret;
    }

    private static FileAttribute<?>[] ownerOnly(Path directory) {
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) };
        }
        return new FileAttribute<?>[0];
    }
}

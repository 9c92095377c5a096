package dev.durablestash.storage.filesystem;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates the filesystem backend's files and directories readable by their owner only (documents hold
 * session state): on a file system with POSIX permissions, files {@code rw-------} and directories
 * {@code rwx------}, whatever the process's umask; elsewhere as the file system creates them. A file or
 * directory that exists already keeps its permissions. Stateless, thread-safe.
 */
final class OwnerOnly {

    private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];
    private static final FileAttribute<?>[] FILE = {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) };
    private static final FileAttribute<?>[] DIRECTORY = {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")) };

    private OwnerOnly() {
    }

    /** Opens a file, creating it owner-only when {@code options} create it. */
    static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options), posix(file) ? FILE : NONE);
    }

    /** Creates one directory, owner-only. */
    static void createDirectory(Path directory) throws IOException {
        Files.createDirectory(directory, posix(directory) ? DIRECTORY : NONE);
    }

    /**
     * Creates a directory, owner-only, and its missing parents as the file system creates them (a parent
     * such as {@code /srv/app} may be shared with other users).
     */
    static void createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        Path target = directory.toAbsolutePath().normalize(); // "sessions/." names "sessions"
        Path parent = target.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            createDirectory(target);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(target)) {
                throw e;
            }
        }
    }

    private static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}

package dev.durablestash.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The public types of one module, found by loading every class of its compiled output (the directory
 * or jar a class of the module came from), compared with a checked-in list: so that a type does not
 * become public by accident. A type counts when it and every type enclosing it are public (a public
 * nested class of a package-private class is not reachable).
 */
public final class PublicTypes {

    private PublicTypes() {
    }

    /**
     * @param anyClassOfTheModule a class whose code source is the module's compiled output
     * @return the binary names of the module's public types, sorted
     */
    public static List<String> of(Class<?> anyClassOfTheModule) {
        Path root;
        try {
            root = Path.of(anyClassOfTheModule.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("expected the module's classes directory, not " + root);
        }
        TreeSet<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                String relative = root.relativize(p).toString();
                String name = relative.substring(0, relative.length() - ".class".length())
                        .replace(p.getFileSystem().getSeparator(), ".");
                if (name.endsWith("package-info") || name.endsWith("module-info")) {
                    return;
                }
                Class<?> type;
                try {
                    type = Class.forName(name, false, anyClassOfTheModule.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IllegalStateException("cannot load " + name, e);
                }
                if (isReachablePublic(type)) {
                    names.add(type.getName());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(names);
    }

    private static boolean isReachablePublic(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            if (!Modifier.isPublic(c.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param owner a class whose loader holds the resource
     * @param resource the list: one binary class name per line; blank lines and lines starting with
     *     {@code #} are ignored, and a name may be followed by text after whitespace (a reason)
     * @return the names, in file order
     */
    public static List<String> listed(Class<?> owner, String resource) {
        try (InputStream in = Objects.requireNonNull(owner.getResourceAsStream(resource), resource)) {
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    names.add(trimmed.split("\\s+", 2)[0]);
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.durablestash.testsupport;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * Loads DurableStash's classes ({@code dev.durablestash.}) itself from its URLs, falling back to its parent for
 * those it does not find there, and every other class from its parent: a second copy of the library beside the
 * same SDK and JDK, as Spring Boot DevTools' restart class loader or a second application in a container makes.
 * Close it when done.
 */
public final class ChildFirstClassLoader extends URLClassLoader {

    /**
     * @param urls where DurableStash's classes are loaded from (e.g. a module's {@code target/classes})
     * @param parent the loader of every other class
     */
    public ChildFirstClassLoader(URL[] urls, ClassLoader parent) {
        super(urls, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            if (name.startsWith("dev.durablestash.")) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    try {
                        loaded = findClass(name);
                    } catch (ClassNotFoundException e) {
                        return super.loadClass(name, resolve);
                    }
                }
                return loaded;
            }
            return super.loadClass(name, resolve);
        }
    }
}

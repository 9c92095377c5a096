package dev.durablestash.spring.autoconfigure;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;

/**
 * Builds the engine's parts under the application's class loader, whichever thread builds them. Their
 * threads start later, as work comes, with the context class loader of the thread that built the part
 * ({@code EngineExecutor.newPool}, the {@code StashAdapter}'s deadline timer, the filesystem backend's
 * pool and its journal's committer): an application's servlet filter that takes the engine makes
 * Spring build it while the embedded web server starts, under the server's web application class
 * loader, which a stopping servlet container would then take those threads for a leak of.
 *
 * <p>The starter wraps the beans it makes whose construction captures the context class loader or
 * starts a thread: a new one of those must be wrapped too. Not wrapped, and fine: the expiry sweeper
 * (made after the web server started) and the S3 client (whose SDK starts its threads on first use).
 * An application's own executor or storage bean is built as Spring builds it (docs/spring.md says
 * so). Stateless; the thread's context class loader is restored however the part's construction ends.
 */
final class ApplicationClassLoader {

    private ApplicationClassLoader() {
    }

    /**
     * @param application the application's bean factory, whose bean class loader is the application's
     *     (the thread's context class loader when the context was made, not a request's or the web
     *     server's)
     * @param part makes the part
     * @return the part, made with the thread's context class loader set to the application's (when the
     *     bean factory is a {@link ConfigurableBeanFactory}, as Spring's are) and restored afterwards
     */
    static <T> T building(BeanFactory application, Supplier<T> part) {
        @Nullable ClassLoader loader = application instanceof ConfigurableBeanFactory configurable
                ? configurable.getBeanClassLoader() : null;
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        if (loader == null || loader == before) {
            return part.get();
        }
        thread.setContextClassLoader(loader);
        try {
            return part.get();
        } finally {
            thread.setContextClassLoader(before);
        }
    }
}

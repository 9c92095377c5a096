package dev.durablestash.spring.web;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.SessionCookieValues;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;

/**
 * What every browser session of a sid filter needs, the servlet {@code SidFilter}'s and the reactive
 * {@code SidWebFilter}'s alike: the cookie, the engine and the {@link SessionCookieValues} that tag sids
 * under its secrets. The engine's parts are looked up on first use, not when the filter is made: filters
 * are made early, while the web server starts, and the storage backend should be made with the other
 * beans. Public only so that both integrations can reach it (support code, not an API: see the package
 * description).
 *
 * <p><b>Thread-safety:</b> thread-safe.
 *
 * @param <R> the stack's principal resolver type
 */
public final class BrowserSessionSettings<R> {

    private final SidCookie cookie;
    private final Supplier<StashSettings> engineSettings;
    private final Supplier<StashAdapter> engine;
    private volatile @Nullable SessionCookieValues values;
    private volatile R principals;

    /**
     * @param cookie the sid cookie; with a max-age it is written again on every request that uses the
     *     sid (the lifetime slides), otherwise only when a sid is new
     * @param principals tells which principal a request acts for
     * @param engineSettings the engine's settings, asked for on first use: their secrets tag sids for the
     *     cookie and their operation timeout bounds rotate and end
     * @param engine the engine, asked for on first use: for rotate and end
     */
    public BrowserSessionSettings(SidCookie cookie, R principals, Supplier<StashSettings> engineSettings,
            Supplier<StashAdapter> engine) {
        this.cookie = Objects.requireNonNull(cookie, "cookie");
        this.principals = Objects.requireNonNull(principals, "principals");
        this.engineSettings = Objects.requireNonNull(engineSettings, "settings");
        this.engine = Objects.requireNonNull(engine, "adapter");
    }

    /** @return the sid cookie's attributes */
    public SidCookie cookie() {
        return cookie;
    }

    /**
     * @return {@code true} to write the cookie again on every request that uses the sid (read from the
     *     cookie each time, so a change made while the context starts counts)
     */
    public boolean refreshCookie() {
        return cookie.getMaxAge() != null;
    }

    /** @return the cookie values under the engine's secrets, made on first use */
    public SessionCookieValues values() {
        SessionCookieValues made = values;
        if (made == null) {
            made = new SessionCookieValues(engineSettings.get());
            values = made; // racing threads make equal instances
        }
        return made;
    }

    /** @return tells which principal a request acts for */
    public R principals() {
        return principals;
    }

    /** @param resolver tells which principal a request acts for, from now on */
    public void principals(R resolver) {
        principals = Objects.requireNonNull(resolver, "principals");
    }

    /** @return the engine */
    public StashAdapter adapter() {
        return engine.get();
    }

    /** @return the engine's operation timeout, which bounds rotate and end */
    public Duration operationTimeout() {
        return engineSettings.get().operationTimeout();
    }
}

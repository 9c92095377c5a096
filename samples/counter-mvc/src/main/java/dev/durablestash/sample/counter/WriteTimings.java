package dev.durablestash.sample.counter;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.web.util.WebUtils;

import jakarta.servlet.http.HttpServletRequest;

import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/**
 * How long each browser session's last write took, for the page's engine panel: the time from the
 * stash (or reset) call until storage acknowledged it. Kept in memory only, for the most recent
 * {@value #SESSIONS} browser sessions, keyed by the {@code sid} cookie; a restart forgets it.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
@Component
class WriteTimings {

    static final int SESSIONS = 1_000;

    private final String cookieName;
    private final Map<String, Duration> lastWrite = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Duration> eldest) {
            return size() > SESSIONS;
        }
    };

    WriteTimings(DurableStashProperties properties) {
        this.cookieName = properties.getCookie().getName();
    }

    /** Runs {@code write} (a stash or a reset that waits until storage acknowledged it) and remembers how long it took. */
    void time(HttpServletRequest request, Runnable write) {
        long start = System.nanoTime();
        write.run();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String sid = sid(request);
        if (sid != null) {
            synchronized (lastWrite) {
                lastWrite.put(sid, took);
            }
        }
    }

    /** @return how long the last timed write of this request's browser session took, or {@code null} if none since start */
    @Nullable Duration lastWrite(HttpServletRequest request) {
        String sid = sid(request);
        if (sid == null) {
            return null;
        }
        synchronized (lastWrite) {
            return lastWrite.get(sid);
        }
    }

    private @Nullable String sid(HttpServletRequest request) {
        jakarta.servlet.http.Cookie cookie = WebUtils.getCookie(request, cookieName);
        return cookie == null ? null : cookie.getValue();
    }
}

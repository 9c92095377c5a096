package dev.durablestash.sample.pages;

import java.time.Duration;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.StashStatistics;

/**
 * What the engine panel shows: this browser session's last write, and the engine's counters since
 * the app started (all sessions).
 *
 * @param lastWrite how long this session's last write took until storage acknowledged it, e.g.
 *     {@code "3.2 ms"}, or {@code null} if it wrote nothing since the app started
 * @param writes PUT requests sent to storage
 * @param acknowledged stash calls acknowledged after a successful write
 * @param conflicts PUTs answered "precondition failed" (another writer was first; re-read, merged, retried)
 * @param stashesPerWrite acknowledged stashes per PUT, e.g. {@code "1.0"}: above 1 when group commit
 *     merged concurrent stashes into one write; {@code "–"} before the first write
 */
public record EngineFigures(@Nullable String lastWrite, long writes, long acknowledged, long conflicts, String stashesPerWrite) {

    /**
     * @param lastWrite this browser session's last timed write, or {@code null} if none since the app started
     * @param statistics the engine's counters
     * @return the panel's figures
     */
    public static EngineFigures of(@Nullable Duration lastWrite, StashStatistics statistics) {
        return new EngineFigures(lastWrite == null ? null : millis(lastWrite), statistics.puts(),
                statistics.acknowledged(), statistics.conflicts(),
                statistics.puts() == 0 ? "–"
                        : String.format(Locale.ROOT, "%.1f", (double) statistics.acknowledged() / statistics.puts()));
    }

    private static String millis(Duration duration) {
        return String.format(Locale.ROOT, "%.1f ms", duration.toNanos() / 1e6);
    }
}

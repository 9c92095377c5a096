package dev.durablestash.spring.web;

import org.jspecify.annotations.Nullable;

import dev.durablestash.core.MountKind;

/**
 * Reads a request's mount count, the value of the {@code X-Stash-Mounts} header or the {@code _mounts}
 * request parameter (LiveView's name), as the engine's {@link MountKind}: the one parser the servlet and
 * the reactive integrations share. Public only so that both packages can reach it (support code, not an
 * API: see the package description).
 *
 * <p>Stateless and thread-safe.
 */
public final class MountCount {

    /** Longest value read as a number: ten digits; anything longer is malformed, and not parsed. */
    private static final int MAX_DIGITS = 10;

    private MountCount() {
    }

    /**
     * Interprets a mount count. Absent, blank, zero, negative or malformed values mean
     * {@link MountKind#FRESH}; a positive integer (ASCII digits only, at most ten, surrounding
     * whitespace ignored) means {@link MountKind#REJOIN}.
     *
     * @param mounts the raw header or parameter value, or {@code null} when the request has none
     * @return the mount kind, never {@code null}
     */
    public static MountKind kindOf(@Nullable String mounts) {
        if (mounts == null) {
            return MountKind.FRESH;
        }
        String value = mounts.trim();
        if (value.isEmpty() || value.length() > MAX_DIGITS) {
            return MountKind.FRESH;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i)) || value.charAt(i) > '9') {
                return MountKind.FRESH;
            }
        }
        return Long.parseLong(value) > 0 ? MountKind.REJOIN : MountKind.FRESH;
    }
}

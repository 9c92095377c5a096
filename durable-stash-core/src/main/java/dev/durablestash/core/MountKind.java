package dev.durablestash.core;

import org.jspecify.annotations.Nullable;

/**
 * How a request attaches to a view. Derived from the {@code X-Stash-Mounts} header or the
 * {@code _mounts} request parameter.
 */
public enum MountKind {

    /** A new navigation to the view ({@code _mounts} absent or 0). */
    FRESH,

    /** The page is still on screen and talks to the server again ({@code _mounts} &gt; 0). */
    REJOIN;

    /**
     * Interprets a {@code _mounts} value. Absent, blank, zero, negative or malformed values mean
     * {@link #FRESH}; a positive integer means {@link #REJOIN}.
     *
     * @param mounts the raw header or parameter value, or {@code null}
     * @return the mount kind, never {@code null}
     */
    public static MountKind fromMounts(@Nullable String mounts) {
        if (mounts == null) {
            return FRESH;
        }
        String value = mounts.trim();
        if (value.isEmpty() || value.length() > 10) {
            return FRESH;
        }
        for (int i = 0; i < value.length(); i++) {
            if (!Character.isDigit(value.charAt(i)) || value.charAt(i) > '9') {
                return FRESH;
            }
        }
        return Long.parseLong(value) > 0 ? REJOIN : FRESH;
    }
}

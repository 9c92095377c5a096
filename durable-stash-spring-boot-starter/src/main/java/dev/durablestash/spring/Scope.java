package dev.durablestash.spring;

/**
 * When a {@link Stashed} field is recovered. The starter's counterpart of the engine's
 * {@code dev.durablestash.core.Scope}, with the same constants and meaning, so that an application
 * imports its programming model from this one package.
 */
public enum Scope {

    /**
     * Recovered on every mount: navigation, reconnects, crashes, redeploys. For settings that should
     * stick. The default.
     */
    SESSION,

    /**
     * Recovered only when the page rejoins a view it is still showing (a request with
     * {@code X-Stash-Mounts} or {@code _mounts} above 0); a fresh mount clears the stored value. For
     * in-progress drafts.
     */
    RECONNECT
}

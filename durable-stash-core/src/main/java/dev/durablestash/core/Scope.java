package dev.durablestash.core;

/** When a stored key is recovered. */
public enum Scope {

    /** Recovered on every mount: navigation, reconnects, crashes, redeploys. For settings that should stick. */
    SESSION,

    /**
     * Recovered only when the client {@link MountKind#REJOIN rejoins} a view it is still showing; a
     * {@link MountKind#FRESH fresh} mount clears the stored value. For in-progress drafts.
     */
    RECONNECT
}

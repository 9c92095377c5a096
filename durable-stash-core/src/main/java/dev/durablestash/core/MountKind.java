package dev.durablestash.core;

/**
 * How an operation attaches to a view: a new navigation to it, or a page that still shows it talking
 * to the server again. A recover of a {@link #FRESH} mount clears the view's
 * {@linkplain Scope#RECONNECT reconnect-scoped} keys; a {@link #REJOIN} recovers them.
 */
public enum MountKind {

    /** A new navigation to the view. */
    FRESH,

    /** The page still shows the view and talks to the server again: its next event, a reconnect. */
    REJOIN
}

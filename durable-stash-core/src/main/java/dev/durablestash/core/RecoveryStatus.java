package dev.durablestash.core;

/** The outcome of a recover. */
public enum RecoveryStatus {

    /** A stored slice for the view was found; its recoverable keys are in the {@link Recovery}. */
    RECOVERED,

    /** Nothing is stored for the view: never stashed, expired, reset, or dropped by a version change. */
    NOT_FOUND,

    /** Storage could not be read; the view keeps its defaults and {@link Recovery#error()} says why. */
    ERROR
}

package dev.durablestash.core;

/** What a stash does with a value that cannot be stored (not JSON, or too large). */
public enum InvalidValuePolicy {

    /** Fail the stash with an {@link InvalidStashValueException} naming view and key. The default. */
    RAISE,

    /** Skip that key, log a warning naming view and key, and stash the other keys. */
    LOG
}

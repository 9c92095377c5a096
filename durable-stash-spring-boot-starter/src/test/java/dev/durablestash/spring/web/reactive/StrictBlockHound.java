package dev.durablestash.spring.web.reactive;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * BlockHound as the event-loop tests install it: every blocking call on a non-blocking thread throws,
 * except reading {@code /dev/urandom} (a new sid's random bytes, read by SecureRandom), which never
 * blocks. Installing it twice in one JVM is harmless.
 */
public final class StrictBlockHound {

    private StrictBlockHound() {
    }

    /** Installs it for the rest of this JVM. */
    public static void install() {
        BlockHound.install(builder -> builder
                .allowBlockingCallsInside("sun.security.provider.NativePRNG$RandomIO", "implNextBytes")
                .blockingMethodCallback(method -> {
                    throw new BlockingOperationError(method);
                }));
    }
}

package dev.durablestash.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.json.JsonMapper;

/**
 * The engine's configuration. Build with {@link #builder()}; every setting but the secret has a
 * default. Immutable and thread-safe.
 */
public final class StashSettings {

    /** The longest {@link #operationTimeout()}: 2^61 ns, about 73 years (see the builder's). */
    static final Duration MAX_OPERATION_TIMEOUT = Duration.ofNanos(1L << 61);

    /** Shortest accepted secret, in bytes (UTF-8). */
    public static final int MIN_SECRET_BYTES = 32;

    private final byte[] secret;
    private final List<byte[]> previousSecrets;
    private final byte @Nullable [] nextSecret;
    private final String keyPrefix;
    private final Duration ttl;
    private final Duration halfTtl;
    private final boolean revalidateOnMount;
    private final int maxValueBytes;
    private final int maxDocumentBytes;
    private final InvalidValuePolicy invalidValuePolicy;
    private final Duration actorIdleTimeout;
    private final int maxLiveActors;
    private final long maxLiveBytes;
    private final int maxWriteAttempts;
    private final Duration retryBackoff;
    private final Duration maxRetryBackoff;
    private final Duration operationTimeout;
    private final @Nullable Executor executor;
    private final Clock clock;
    private final JsonMapper jsonMapper;
    private final boolean encryptAtRest;
    private final boolean acceptPlainDocuments;
    private final DocumentCodec documentCodec;
    private final ValueCodec valueCodec;

    private StashSettings(Builder b) {
        this.encryptAtRest = b.encryptAtRest;
        this.acceptPlainDocuments = b.acceptPlainDocuments;
        this.secret = b.secret;
        this.previousSecrets = List.copyOf(b.previousSecrets);
        this.nextSecret = b.nextSecret;
        this.keyPrefix = b.keyPrefix;
        this.ttl = b.ttl;
        this.halfTtl = b.ttl.plusNanos(1).dividedBy(2); // rounded up: "less than half left" stays exact for an odd TTL
        this.revalidateOnMount = b.revalidateOnMount;
        this.maxValueBytes = b.maxValueBytes;
        this.maxDocumentBytes = b.maxDocumentBytes;
        this.invalidValuePolicy = b.invalidValuePolicy;
        this.actorIdleTimeout = b.actorIdleTimeout;
        this.maxLiveActors = b.maxLiveActors;
        this.maxLiveBytes = b.maxLiveBytes;
        this.maxWriteAttempts = b.maxWriteAttempts;
        this.retryBackoff = b.retryBackoff;
        this.maxRetryBackoff = b.maxRetryBackoff;
        this.operationTimeout = b.operationTimeout;
        this.executor = b.executor;
        this.clock = b.clock;
        this.jsonMapper = b.jsonMapper != null ? b.jsonMapper : JsonMapper.builder().build();
        this.documentCodec = new DocumentCodec(this); // last: read the fields above
        this.valueCodec = new ValueCodec(this);
    }

    /** @return a builder with the defaults; {@link Builder#secret(String)} must be set */
    public static Builder builder() {
        return new Builder();
    }

    byte[] secret() {
        return secret;
    }

    List<byte[]> previousSecrets() {
        return previousSecrets;
    }

    byte @Nullable [] nextSecret() {
        return nextSecret;
    }

    /** @return the prefix of every storage key */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** @return how long a session document lives after its last write */
    public Duration ttl() {
        return ttl;
    }

    /** @return half of {@link #ttl()}: reads refresh a document's expiry when less than this is left */
    Duration halfTtl() {
        return halfTtl;
    }

    /** @return whether every mount revalidates the cached document with a conditional GET */
    public boolean revalidateOnMount() {
        return revalidateOnMount;
    }

    /** @return the largest accepted JSON encoding of one value, in bytes */
    public int maxValueBytes() {
        return maxValueBytes;
    }

    /** @return the largest accepted session document, in bytes */
    public int maxDocumentBytes() {
        return maxDocumentBytes;
    }

    /** @return what a stash does with a value that cannot be stored */
    public InvalidValuePolicy invalidValuePolicy() {
        return invalidValuePolicy;
    }

    /** @return how long an actor with nothing to do stays in memory */
    public Duration actorIdleTimeout() {
        return actorIdleTimeout;
    }

    /** @return the number of session actors kept in memory, at most (busy actors are never dropped) */
    public int maxLiveActors() {
        return maxLiveActors;
    }

    /**
     * @return the most bytes of session documents (as stored: their JSON, or encrypted envelope) the live
     *     session actors cache together, at most (busy actors are never dropped)
     */
    public long maxLiveBytes() {
        return maxLiveBytes;
    }

    /**
     * @return what a live actor caching a document of {@code documentBytes} (as stored) weighs: one for
     *     each started {@code maxLiveBytes / maxLiveActors} bytes, at least one; the live actors' weights
     *     add up to {@link #maxLiveActors} at most
     */
    int actorWeight(long documentBytes) {
        long share = Math.max(1, maxLiveBytes / maxLiveActors);
        return (int) Math.min(maxLiveActors, Math.max(1, (documentBytes + share - 1) / share));
    }

    /** @return how many compare-and-swap writes a stash attempts before it fails */
    public int maxWriteAttempts() {
        return maxWriteAttempts;
    }

    /** @return the base of the jittered exponential backoff between compare-and-swap attempts */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** @return the cap of that backoff */
    public Duration maxRetryBackoff() {
        return maxRetryBackoff;
    }

    /**
     * @return the deadline of every operation (recover, stash, reset, waiting for a view's turn):
     *     past it the caller fails, and a storage call still running is treated as a lost answer
     */
    public Duration operationTimeout() {
        return operationTimeout;
    }

    /**
     * @return the executor the session actors run on, or {@code null} when the {@link StashAdapter}
     *     runs a pool of its own (shut down by {@link StashAdapter#close()})
     */
    public @Nullable Executor executor() {
        return executor;
    }

    /** @return the clock used for expiry */
    public Clock clock() {
        return clock;
    }

    /** @return the mapper that turns values into JSON and back */
    public JsonMapper jsonMapper() {
        return jsonMapper;
    }

    /** @return whether session documents are written encrypted (AES-GCM); see {@link Builder#encryptAtRest(boolean)} */
    public boolean encryptAtRest() {
        return encryptAtRest;
    }

    /** @return whether plain (unencrypted) documents are still read while {@link #encryptAtRest()} is on */
    public boolean acceptPlainDocuments() {
        return acceptPlainDocuments;
    }

    /** @return how documents are turned into stored bytes and back (plain or encrypted) */
    DocumentCodec documentCodec() {
        return documentCodec;
    }

    /**
     * @return how values become JSON and back: one codec (one mapper, one reader per type) for every
     *     engine built with these settings and for {@link ValueJson}
     */
    ValueCodec valueCodec() {
        return valueCodec;
    }

    /** Builds {@link StashSettings}. Not thread-safe. Setters validate at once and name the setting. */
    /** The default {@link Builder#maxValueBytes} (unless the document limit is smaller). */
    private static final int DEFAULT_MAX_VALUE_BYTES = 64 * 1024;

    public static final class Builder {

        private byte[] secret = new byte[0];
        private final List<byte[]> previousSecrets = new ArrayList<>();
        private byte @Nullable [] nextSecret;
        private String keyPrefix = "durable-stash/";
        private Duration ttl = Duration.ofDays(7);
        private boolean revalidateOnMount = true;
        private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
        /** Whether {@link #maxValueBytes(int)} was called: unset, the value limit follows a smaller document limit. */
        private boolean maxValueBytesSet;
        private int maxDocumentBytes = 1024 * 1024;
        private InvalidValuePolicy invalidValuePolicy = InvalidValuePolicy.RAISE;
        private Duration actorIdleTimeout = Duration.ofMinutes(5);
        private int maxLiveActors = 10_000;
        private long maxLiveBytes = 64L * 1024 * 1024;
        private int maxWriteAttempts = 10;
        private Duration retryBackoff = Duration.ofMillis(5);
        private Duration maxRetryBackoff = Duration.ofMillis(250);
        private Duration operationTimeout = Duration.ofSeconds(10);
        private @Nullable Executor executor;
        private Clock clock = Clock.systemUTC();
        private @Nullable JsonMapper jsonMapper;
        private boolean encryptAtRest;
        private boolean acceptPlainDocuments;

        private Builder() {
        }

        /**
         * @param encrypt {@code true} to write every session document encrypted and authenticated with
         *     AES-256-GCM under a key derived (HKDF-SHA256) from the secret that derived its storage key,
         *     bound to that storage key; {@code false} (the default) to write plain JSON. Encrypted
         *     documents are read either way, as long as their secret is configured.
         * @return this builder
         */
        public Builder encryptAtRest(boolean encrypt) {
            this.encryptAtRest = encrypt;
            return this;
        }

        /**
         * @param accept while {@link #encryptAtRest(boolean)} is on: {@code true} to still read plain
         *     documents (a migration from a plain store: they are rewritten encrypted by their next
         *     write), {@code false} (the default) to treat them like tampered ones: kept aside, reported
         *     as an error once, then replaced. Anyone who can write to the store can plant a plain
         *     document, so only a store that refuses them gets its contents authenticated.
         * @return this builder
         */
        public Builder acceptPlainDocuments(boolean accept) {
            this.acceptPlainDocuments = accept;
            return this;
        }

        /**
         * @param secret the HMAC secret that turns session ids into storage keys; at least
         *     {@value StashSettings#MIN_SECRET_BYTES} bytes of UTF-8. Required.
         * @return this builder
         */
        public Builder secret(String secret) {
            this.secret = checkSecret("secret", secret);
            return this;
        }

        /**
         * @param secrets secrets used before the current one, newest first: state stored under them
         *     is still found, and moves to the current secret's key on its next write
         * @return this builder
         */
        public Builder previousSecrets(List<String> secrets) {
            previousSecrets.clear();
            for (String s : secrets) {
                previousSecrets.add(checkSecret("previousSecrets", s));
            }
            return this;
        }

        /**
         * @param secret the secret the next rotation moves to, or {@code null}: the first step of a
         *     secret rotation. State is still written under the current secret, but once an instance
         *     that already runs with this secret as its current one has moved a session's state to
         *     its key, this instance follows it there. Cannot be combined with
         *     {@link #previousSecrets(List)}: finish one rotation before starting the next.
         * @return this builder
         */
        public Builder nextSecret(@Nullable String secret) {
            this.nextSecret = secret == null ? null : checkSecret("nextSecret", secret);
            return this;
        }

        /**
         * @param keyPrefix the prefix of every storage key, e.g. {@code "durable-stash/"}; may be empty; a
         *     relative path: no leading {@code '/'}, no empty, {@code "."} or {@code ".."} segment, no backslash
         * @return this builder
         */
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.length() > 512 || keyPrefix.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
                throw new IllegalArgumentException("keyPrefix must be at most 512 printable ASCII characters");
            }
            // Keys must be valid for every backend: relative, '/'-separated, no empty, "." or ".." segment.
            String[] segments = keyPrefix.split("/", -1);
            for (int i = 0; i < segments.length; i++) {
                String segment = segments[i];
                boolean trailing = i == segments.length - 1;
                if (keyPrefix.indexOf('\\') >= 0 || (segment.isEmpty() && !trailing)
                        || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("keyPrefix must be a relative path of non-empty segments "
                            + "without '.', '..' or backslashes, like \"durable-stash/\", was \"" + keyPrefix + "\"");
                }
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * @param ttl how long a session document lives after its last write; positive
         * @return this builder
         */
        public Builder ttl(Duration ttl) {
            this.ttl = positive("ttl", ttl);
            return this;
        }

        /**
         * @param revalidateOnMount {@code true} (the default) to revalidate the cached document with a
         *     conditional GET on every mount; {@code false} only when a single instance uses the store
         * @return this builder
         */
        public Builder revalidateOnMount(boolean revalidateOnMount) {
            this.revalidateOnMount = revalidateOnMount;
            return this;
        }

        /**
         * @param maxValueBytes the largest accepted JSON encoding of one value; positive, and at most
         *     {@link #maxDocumentBytes} (checked by {@link #build()}); default 64 KiB, or
         *     {@code maxDocumentBytes} when that is smaller
         * @return this builder
         */
        public Builder maxValueBytes(int maxValueBytes) {
            this.maxValueBytes = positive("maxValueBytes", maxValueBytes);
            this.maxValueBytesSet = true;
            return this;
        }

        /**
         * @param maxDocumentBytes the largest accepted session document; positive, and at least
         *     {@link #maxValueBytes} (checked by {@link #build()}), default 1 MiB
         * @return this builder
         */
        public Builder maxDocumentBytes(int maxDocumentBytes) {
            this.maxDocumentBytes = positive("maxDocumentBytes", maxDocumentBytes);
            return this;
        }

        /**
         * @param policy what a stash does with a value that cannot be stored
         * @return this builder
         */
        public Builder invalidValuePolicy(InvalidValuePolicy policy) {
            this.invalidValuePolicy = Objects.requireNonNull(policy, "invalidValuePolicy");
            return this;
        }

        /**
         * @param idleTimeout how long an actor with nothing to do stays in memory; positive
         * @return this builder
         */
        public Builder actorIdleTimeout(Duration idleTimeout) {
            this.actorIdleTimeout = positive("actorIdleTimeout", idleTimeout);
            return this;
        }

        /**
         * @param maxLiveActors the number of session actors kept in memory; positive
         * @return this builder
         */
        public Builder maxLiveActors(int maxLiveActors) {
            this.maxLiveActors = positive("maxLiveActors", maxLiveActors);
            return this;
        }

        /**
         * Bounds the memory of the live session actors by the size of the documents they cache, besides
         * their number ({@link #maxLiveActors}): an actor weighs as many of {@code maxLiveBytes /
         * maxLiveActors} bytes as its document takes as stored (at least one), and the least recently
         * used are dropped once the weights add up to more than {@code maxLiveActors}. So documents
         * below that share keep the cap on their number alone, and larger ones lower it. A dropped
         * actor's session reads storage again on its next operation; nothing is lost. The heap a cached
         * document takes depends on its values: about its stored size for text (51 KB for one value of
         * 50,000 characters), about 7 times it for many small numbers (a list of 20,000 two-digit
         * integers), so size the budget for what the documents hold.
         *
         * @param maxLiveBytes the most bytes of documents the live actors cache together; at least
         *     {@link #maxDocumentBytes} (checked by {@link #build()}), default 64 MiB
         * @return this builder
         */
        public Builder maxLiveBytes(long maxLiveBytes) {
            if (maxLiveBytes <= 0) {
                throw new IllegalArgumentException("maxLiveBytes must be positive, was " + maxLiveBytes);
            }
            this.maxLiveBytes = maxLiveBytes;
            return this;
        }

        /**
         * @param maxWriteAttempts compare-and-swap attempts per write before callers fail; positive
         * @return this builder
         */
        public Builder maxWriteAttempts(int maxWriteAttempts) {
            this.maxWriteAttempts = positive("maxWriteAttempts", maxWriteAttempts);
            return this;
        }

        /**
         * @param base base of the jittered exponential backoff between attempts; zero or positive
         * @param max cap of the backoff; at least {@code base}
         * @return this builder
         */
        public Builder retryBackoff(Duration base, Duration max) {
            Objects.requireNonNull(base, "retryBackoff");
            Objects.requireNonNull(max, "maxRetryBackoff");
            if (base.isNegative() || max.compareTo(base) < 0) {
                throw new IllegalArgumentException("retryBackoff must be >= 0 and maxRetryBackoff >= retryBackoff, were "
                        + base + " and " + max);
            }
            this.retryBackoff = base;
            this.maxRetryBackoff = max;
            return this;
        }

        /**
         * @param timeout the deadline of every operation (recover, stash, reset, waiting for a view's
         *     turn); positive. Default 10 seconds. One longer than 2<sup>61</sup> ns (about 73 years:
         *     no deadline, in practice) is taken as that, so that no deadline overflows.
         * @return this builder
         */
        public Builder operationTimeout(Duration timeout) {
            Duration checked = positive("operationTimeout", timeout);
            this.operationTimeout = checked.compareTo(MAX_OPERATION_TIMEOUT) > 0 ? MAX_OPERATION_TIMEOUT : checked;
            return this;
        }

        /**
         * @param executor the executor session actors run their (short, non-blocking) tasks on, or
         *     {@code null} (the default) for a pool the {@link StashAdapter} owns. It must not be
         *     shared with code that blocks, and it is not shut down by the adapter.
         * @return this builder
         */
        public Builder executor(@Nullable Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * @param clock the clock used for expiry (inject one in tests)
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * @param jsonMapper the mapper that turns values into JSON and back, or {@code null} for a default
         * @return this builder
         */
        public Builder jsonMapper(@Nullable JsonMapper jsonMapper) {
            this.jsonMapper = jsonMapper;
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalStateException if no secret was set, if {@code nextSecret} equals the secret, if
         *     {@code previousSecrets} contains it, if both {@code nextSecret} and {@code previousSecrets} are set,
         *     if {@code maxValueBytes} (set) is above {@code maxDocumentBytes}, or if {@code maxLiveBytes} is below it
         */
        public StashSettings build() {
            if (secret.length == 0) {
                throw new IllegalStateException("a secret is required: set it with StashSettings.Builder.secret(...)");
            }
            if (nextSecret != null && Arrays.equals(nextSecret, secret)) {
                throw new IllegalStateException("nextSecret equals the secret: during a rotation's first step the "
                        + "secret stays the old one and nextSecret is the new one");
            }
            if (previousSecrets.stream().anyMatch(previous -> Arrays.equals(previous, secret))) {
                throw new IllegalStateException("previousSecrets contains the secret: list only the secrets that "
                        + "the current one replaced");
            }
            if (nextSecret != null && !previousSecrets.isEmpty()) {
                throw new IllegalStateException("nextSecret cannot be combined with previousSecrets: finish the "
                        + "earlier rotation (remove previousSecrets) before starting the next one");
            }
            if (!maxValueBytesSet) {
                maxValueBytes = Math.min(DEFAULT_MAX_VALUE_BYTES, maxDocumentBytes);
            }
            if (maxValueBytes > maxDocumentBytes) {
                throw new IllegalStateException("maxValueBytes (" + maxValueBytes + ") is above maxDocumentBytes ("
                        + maxDocumentBytes + "): a value between the two would be accepted and then fail every stash "
                        + "that holds it as too large a document");
            }
            if (maxLiveBytes < maxDocumentBytes) {
                throw new IllegalStateException("maxLiveBytes (" + maxLiveBytes + ") is below maxDocumentBytes ("
                        + maxDocumentBytes + "): the live actors could not keep one document of the largest size");
            }
            return new StashSettings(this);
        }

        private static byte[] checkSecret(String name, String secret) {
            Objects.requireNonNull(secret, name);
            byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(name + " must be at least " + MIN_SECRET_BYTES
                        + " bytes long, was " + bytes.length);
            }
            return bytes;
        }

        private static int positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}

package dev.durablestash.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import javax.crypto.Mac;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The value of the {@code sid} cookie: the session id, the principal it is bound to (if any) and a
 * tag that proves the server issued it:
 * <ul>
 * <li>anonymous: {@code sid + "." + tag(sid)}, 66 URL-safe characters;
 * <li>bound to a principal: {@code sid + "." + owner + "." + tag(sid + "." + owner)}, 89 characters,
 *     where {@code owner} is {@code base64url(HMAC-SHA256(secret, "durable-stash principal\n" + utf16be(name)))}
 *     cut to 128 bits (the cookie does not reveal the name);
 * </ul>
 * with {@code tag(x) = base64url(HMAC-SHA256(secret, "durable-stash sid\n" + x))} cut to 128 bits. A
 * sid the server did not issue is never adopted (no session fixation): an untagged, forged, truncated
 * or foreign value {@linkplain #decode decodes} to {@code null}, and the caller issues a new session.
 *
 * <p><b>Bound to its principal.</b> A browser session belongs to whoever used it: anonymous until a
 * login, then the authenticated principal. {@link Decoded#claimBy(String)} tells what a request acting
 * for a principal may do with a cookie: {@linkplain Claim#ADOPT adopt} it when it is bound to that
 * principal (or both are anonymous); {@linkplain Claim#ROTATE rotate} it into a session bound to the
 * principal when it is anonymous, which makes every login a rotation, also the ones no framework
 * event announces (HTTP Basic, bearer tokens, a programmatic login); {@linkplain Claim#REPLACE replace}
 * it with a new, empty session when it is bound to someone else, or the request is anonymous: the
 * state stays with its owner and is never carried over to the next user of a shared browser.
 *
 * <p><b>Secret rotation.</b> Values are tagged with the current secret and accepted when tagged with
 * the current secret, the next secret (first step of a rotation: instances of the second step issue
 * those) or a previous secret (second step); a value accepted under a previous secret asks to be
 * {@linkplain Decoded#retag() written again} with the current tag, so the cookie follows the secret
 * before the previous secrets are dropped. The owner is compared under the secret that made the tag.
 * The tag's HMAC input differs from the storage key's, so a storage key reveals no tag and a tag no
 * storage key.
 *
 * <p><b>Cost.</b> One HMAC per secret tried (the current one first), the tag compared in constant
 * time, and one more to compare the owner. A browser sends the same value with each request, so the
 * values that decoded lately are kept, each with the last principal its owner was compared with: a
 * value seen again is found by string equality with one that was verified before, and pays neither
 * HMAC (about 3 µs of a request in the benchmarks). They are kept in two generations of up to
 * {@value #GENERATION} values each: when the newer one is full, the older one is dropped and the
 * newer one takes its place, a value found in the older one being copied into the newer one. So a
 * value stays while fewer than {@value #GENERATION} others were kept since it was last used (a use
 * racing a change of generation may not count: one more check): the values of up to about
 * {@value #GENERATION} browsers sending requests; with more, some requests simply pay the checks
 * again. Only values with a valid tag are kept; a client can have new ones issued to it (each
 * request without a cookie that mounts a view gets one) and send each back once, and so push others
 * out, which costs their next request the checks again, nothing more. About 280 bytes of heap per
 * value, 420 for one bound to a principal with an 11-character name (the name is kept with it), at
 * most {@code 2 * }{@value #GENERATION} values, plus in each generation up to one more per thread
 * adding a value at the moment it fills.
 *
 * <p><b>Thread-safety:</b> thread-safe; share one instance per application.
 */
public final class SessionCookieValues {

    /** Length of an anonymous cookie value, in characters: the sid, a dot and a 22-character tag. */
    public static final int LENGTH = SessionIds.LENGTH + 1 + 22;

    /** Length of a cookie value bound to a principal: the sid, a dot, the owner, a dot and the tag. */
    public static final int BOUND_LENGTH = LENGTH + 22 + 1;

    private static final byte[] CONTEXT = "durable-stash sid\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OWNER_CONTEXT = "durable-stash principal\n".getBytes(StandardCharsets.US_ASCII);
    private static final int TAG_BYTES = 16;
    private static final Logger log = LoggerFactory.getLogger(SessionCookieValues.class);

    private final ThreadLocal<Mac> current;
    /** The next secret (if any), then the previous secrets, newest first. */
    private final List<ThreadLocal<Mac>> accepted = new ArrayList<>();
    private final int firstPrevious;
    /** Values that decoded lately, in two generations (see "Cost" above). */
    private final AtomicReference<Generations> recent = new AtomicReference<>(new Generations());

    /** How many decoded values each generation keeps. */
    static final int GENERATION = 1024;

    /**
     * The newer generation is added to; the older one is read, and dropped when the newer one is full (a
     * thread that read the generations before may still add one value to either).
     */
    private static final class Generations {
        final ConcurrentHashMap<String, Decoded> newer = new ConcurrentHashMap<>();
        final Map<String, Decoded> older;

        Generations() {
            this(Map.of());
        }

        Generations(Map<String, Decoded> older) {
            this.older = older;
        }
    }

    /** What a request acting for a principal may do with the session of a cookie: see {@link Decoded#claimBy}. */
    public enum Claim {
        /** The cookie's session is the principal's (or both are anonymous): use it. */
        ADOPT,
        /**
         * The cookie's session is anonymous and the request is authenticated: move its state to a new
         * sid bound to the principal (a login), never keep using the anonymous sid, which someone else
         * may know.
         */
        ROTATE,
        /**
         * The cookie's session is bound to another principal, or to a principal while the request is
         * anonymous: start a new, empty session and leave that state alone (it stays with its owner
         * and expires).
         */
        REPLACE
    }

    /**
     * A cookie value that carries a tag of this server.
     *
     * <p><b>Thread-safety:</b> thread-safe, and its answers never change: it only remembers the last
     * principal {@link #claimBy} compared its owner with, and the answer. May be used from any thread.
     */
    public static final class Decoded {

        private final String sid;
        private final boolean retag;
        private final byte @Nullable [] owner;
        private final ThreadLocal<Mac> taggedWith;
        /** The last principal {@link #claimBy} compared the owner with, and the answer (a bound session only). */
        private volatile @Nullable OwnerClaim lastClaim;

        Decoded(String sid, boolean retag, byte @Nullable [] owner, ThreadLocal<Mac> taggedWith) {
            this.sid = sid;
            this.retag = retag;
            this.owner = owner;
            this.taggedWith = taggedWith;
        }

        /** @return the session id */
        public String sid() {
            return sid;
        }

        /**
         * @return {@code true} when the tag was made with a previous secret: write the cookie again with
         *     {@link #encode(String, String)}
         */
        public boolean retag() {
            return retag;
        }

        /** @return {@code true} when the session is bound to no principal (issued to an anonymous request) */
        public boolean isAnonymous() {
            return owner == null;
        }

        /**
         * @param principal the name of the authenticated principal the request acts for, or {@code null}
         *     when it is anonymous
         * @return what the request may do with this session (see {@link Claim})
         */
        public Claim claimBy(@Nullable String principal) {
            byte[] bound = owner;
            if (bound == null) {
                return principal == null ? Claim.ADOPT : Claim.ROTATE;
            }
            if (principal == null) {
                return Claim.REPLACE;
            }
            OwnerClaim last = lastClaim;
            if (last != null && last.principal().equals(principal)) {
                return last.claim();
            }
            Claim claim = MessageDigest.isEqual(bound, ownerOf(taggedWith, principal)) ? Claim.ADOPT : Claim.REPLACE;
            lastClaim = new OwnerClaim(principal, claim);
            return claim;
        }

        /**
         * @param principal the name of the authenticated principal the request acts for, or {@code null}
         *     when it is anonymous
         * @return {@code true} when the request is authenticated and the session is bound to another
         *     principal: not the request's to use, nor to end (an anonymous request cannot tell)
         */
        public boolean boundToAnotherThan(@Nullable String principal) {
            return principal != null && claimBy(principal) == Claim.REPLACE;
        }

        @Override
        public String toString() {
            return "Decoded[" + (owner == null ? "anonymous" : "bound") + (retag ? ", retag" : "") + "]";
        }
    }

    private record OwnerClaim(String principal, Claim claim) {
    }

    /** @param settings the engine's configuration: its secret, next secret and previous secrets */
    public SessionCookieValues(StashSettings settings) {
        Objects.requireNonNull(settings, "settings");
        this.current = StorageKeys.macFor(settings.secret());
        byte[] next = settings.nextSecret();
        if (next != null) {
            accepted.add(StorageKeys.macFor(next));
        }
        this.firstPrevious = accepted.size();
        for (byte[] secret : settings.previousSecrets()) {
            accepted.add(StorageKeys.macFor(secret));
        }
    }

    /**
     * @param sid a session id made by {@link SessionIds#newSid()}
     * @return the anonymous cookie value for it, tagged under the current secret
     * @throws IllegalArgumentException if {@code sid} is not {@linkplain SessionIds#isWellFormed well formed}
     */
    public String encode(String sid) {
        return encode(sid, null);
    }

    /**
     * @param sid a session id made by {@link SessionIds#newSid()}
     * @param principal the name of the authenticated principal the session belongs to, or {@code null}
     *     for an anonymous session
     * @return the cookie value for it, tagged under the current secret
     * @throws IllegalArgumentException if {@code sid} is not {@linkplain SessionIds#isWellFormed well formed}
     */
    public String encode(String sid, @Nullable String principal) {
        if (!SessionIds.isWellFormed(sid)) {
            throw new IllegalArgumentException("not a session id made by SessionIds.newSid()");
        }
        String tagged = principal == null ? sid : sid + '.' + new String(ownerOf(current, principal), StandardCharsets.US_ASCII);
        return tagged + '.' + new String(tag(current, tagged), StandardCharsets.US_ASCII);
    }

    /**
     * Checks a value taken from a cookie.
     *
     * @param value the cookie value, or {@code null}
     * @return its session id and owner when the value is a well-formed sid with a tag under the current,
     *     the next or a previous secret; otherwise {@code null} (never an exception)
     */
    public @Nullable Decoded decode(@Nullable String value) {
        if (value == null || (value.length() != LENGTH && value.length() != BOUND_LENGTH)) {
            return null;
        }
        Generations kept = recent.get();
        Decoded known = kept.newer.get(value);
        if (known != null) {
            return known;
        }
        Decoded decoded = kept.older.get(value); // found there: copied into the newer generation
        if (decoded == null) {
            decoded = verify(value);
        }
        if (decoded != null) {
            keep(value, decoded);
        }
        return decoded;
    }

    /** @param value a cookie value of one of the two lengths */
    private @Nullable Decoded verify(String value) {
        if (value.charAt(SessionIds.LENGTH) != '.' || value.charAt(value.length() - 23) != '.') {
            return null;
        }
        String sid = value.substring(0, SessionIds.LENGTH);
        if (!SessionIds.isWellFormed(sid)) {
            return null;
        }
        String tagged = value.substring(0, value.length() - 23);
        byte[] owner = value.length() == LENGTH ? null
                : value.substring(SessionIds.LENGTH + 1, value.length() - 23).getBytes(StandardCharsets.ISO_8859_1);
        byte[] given = value.substring(value.length() - 22).getBytes(StandardCharsets.ISO_8859_1);
        if (MessageDigest.isEqual(given, tag(current, tagged))) {
            return new Decoded(sid, false, owner, current);
        }
        for (int i = 0; i < accepted.size(); i++) {
            if (MessageDigest.isEqual(given, tag(accepted.get(i), tagged))) {
                return new Decoded(sid, i >= firstPrevious, owner, accepted.get(i));
            }
        }
        return null;
    }

    /** @return how many decoded values are kept now (tests) */
    int recentValues() {
        Generations kept = recent.get();
        return kept.newer.size() + kept.older.size();
    }

    /** Keeps {@code decoded}, starting a new generation when the newer one is full. */
    private void keep(String value, Decoded decoded) {
        Generations kept = recent.get();
        if (kept.newer.size() >= GENERATION) {
            Generations next = new Generations(kept.newer);
            kept = recent.compareAndSet(kept, next) ? next : recent.get(); // another thread may have started it
        }
        kept.newer.put(value, decoded);
    }

    /**
     * Picks the session of a request from all its sid cookie values (a request can carry several
     * cookies of one name).
     *
     * @param values the request's sid cookie values, in the order they came
     * @param principal the principal the request acts for, or {@code null}
     * @return the one sid the values carry with a valid tag (of equal sids, one that needs no retag),
     *     or {@code null}: none, or several different ones. A second valid sid cookie is cookie tossing
     *     (a sibling subdomain sets one for the parent domain, which the server can neither overwrite
     *     nor clear): the server cannot tell which one it set itself, so it adopts neither, unless
     *     exactly one of them is bound to {@code principal}: only a response to that principal can have
     *     set that one.
     */
    public @Nullable Decoded decodeOne(Iterable<String> values, @Nullable String principal) {
        Decoded found = null;
        Decoded ownedByPrincipal = null;
        boolean several = false;
        boolean severalOwned = false;
        for (String value : values) {
            Decoded decoded = decode(value);
            if (decoded == null) {
                continue;
            }
            if (principal != null && !decoded.isAnonymous() && decoded.claimBy(principal) == Claim.ADOPT) {
                severalOwned |= ownedByPrincipal != null && !ownedByPrincipal.sid().equals(decoded.sid());
                ownedByPrincipal = ownedByPrincipal == null || !decoded.retag() ? decoded : ownedByPrincipal;
            }
            if (found != null && !found.sid().equals(decoded.sid())) {
                several = true;
            }
            if (found == null || !decoded.retag()) {
                found = decoded;
            }
        }
        if (!several) {
            return found;
        }
        if (ownedByPrincipal != null && !severalOwned) {
            return ownedByPrincipal;
        }
        log.debug("Two different sid cookies came with a request: adopting neither");
        return null;
    }

    /** @return the tag of {@code tagged} (a sid, or a sid, a dot and an owner) in base64url, as ASCII bytes */
    private static byte[] tag(ThreadLocal<Mac> macs, String tagged) {
        return truncatedMac(macs, CONTEXT, tagged.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** @return the owner of a session bound to {@code principal}, in base64url, as ASCII bytes */
    static byte[] ownerOf(ThreadLocal<Mac> macs, String principal) {
        // The UTF-16 code units, each as two bytes: a name of any characters (unpaired surrogates
        // too, which UTF-8 would turn into '?') has its own bytes.
        byte[] units = new byte[principal.length() * 2];
        for (int i = 0; i < principal.length(); i++) {
            units[2 * i] = (byte) (principal.charAt(i) >> 8);
            units[2 * i + 1] = (byte) principal.charAt(i);
        }
        return truncatedMac(macs, OWNER_CONTEXT, units);
    }

    private static byte[] truncatedMac(ThreadLocal<Mac> macs, byte[] context, byte[] input) {
        Mac mac = macs.get();
        mac.update(context);
        byte[] digest = mac.doFinal(input);
        return Base64.getUrlEncoder().withoutPadding().encode(Arrays.copyOf(digest, TAG_BYTES));
    }
}

package dev.durablestash.core;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;

/**
 * Where one session's document is stored, and the storage steps that read and write it: the
 * session actor's mechanism for I/O, as {@link ViewRecovery} and {@link SessionDocument#apply} are
 * its rules. Confined to the actor's runner: every continuation runs there, the stages returned
 * complete there, and the actor calls in only while no step of this object is in flight.
 *
 * <h2>Keys and secret rotation</h2>
 * A session has a key under the current secret and, during a rotation, one under the next secret
 * (first step: {@code nextSecret}) or under previous secrets (second step: {@code previousSecrets}).
 * A load reads the keys newest first ({@link StorageKeys.SessionKeys#readKey}) and stops at the
 * first live document, so every instance converges on the newest key that exists. State found under
 * an older key than the newest one this instance may write is <b>moved</b> by the next write:
 * <ol>
 * <li>the old key is <b>locked</b>: replaced, with compare-and-swap on the version that was read (or
 * created, if nothing was there), by a move marker that keeps the content. From then on every
 * compare-and-swap on the old key fails, so no instance can acknowledge a write there any more;
 * whoever reads the marker knows the state belongs under the newer key;</li>
 * <li>the newer key is <b>created</b> ({@code If-None-Match: *}) from the marker's content plus the
 * pending diffs. If it exists already (another instance finished the move), that is a conflict:
 * reload (which now finds it) and re-apply the diffs there;</li>
 * <li>the marker is deleted (compare-and-swap) before the write is reported; should that fail, a
 * marker left behind only points to the newer key, and expires.</li>
 * </ol>
 * Any instance that finds a marker without the newer key finishes the move (steps 2 and 3), so a
 * crash between the steps loses nothing. An instance in the first rotation step writes under the
 * current key, where instances without the next secret still look; after every such write it checks
 * the next key, and should that exist (an instance in the second step moved or created the session
 * meanwhile; an object under the current key can come back after a move, re-created by another
 * first-step instance or by a late write), its diffs are re-applied there and its own object is
 * deleted before anything is acknowledged. It also reads the next key on every mount instead of
 * revalidating the current key alone. Together: an acknowledged write is always in the object that
 * every later load stops at. The price, during the first step only: one more GET per write and per
 * mount.
 * <p>An end or a session id rotation on a first-step instance fences both keys ({@link #fence()}); under
 * the next key its empty document is an <b>empty move marker</b>, which every load passes over (on to the
 * older keys) and which the check after a first-step write does not count as a move. Instances that know
 * only the current secret keep storing the session under the current key, and an empty document there
 * that loads stopped at would hide what they store from first-step instances (a split session). A write
 * or a fence under the next key replaces that marker (compare-and-swap on its version) where it would
 * have created the object, so a late create there is still refused.
 *
 * <h2>Expiry and bad documents</h2>
 * An expired document is absent: it is deleted (compare-and-swap on its version) while loading; a
 * store that refuses to delete that version is not asked twice, and the next write replaces it. A
 * plain document refused while encrypting is read as plain JSON for its expiry only, so an expired
 * one is absent too. A document in a newer format fails the load and is never overwritten.
 * <p>A document that does not parse, or (encrypted) does not open, is <b>read again</b> before
 * anything is decided, since a flaky store can answer one GET with a torn or empty body and the
 * object's real ETag. If the second answer is readable, the first was a transient bad read (logged
 * at {@code WARN}) and the second is used. If it holds other bytes, unreadable too, the load fails
 * and nothing is kept aside or written over the object. Only the same bytes twice make it
 * unreadable for real: then it is kept aside, those confirmed bytes copied to
 * {@code key + ".corrupt-" + hash} (the first 64 bits of their SHA-256 in hex; written only if
 * absent, so a second load of the same bytes writes nothing), logged and counted. Should that copy
 * fail, the load fails, and nothing is written over the document. After the copy, a corrupt
 * document under a key this instance writes is treated as empty and replaced by the next write;
 * under an older key it is ignored. An encrypted document that does not open (see
 * {@link DocumentCodec}), or a refused plain one, is kept aside the same way, but the load that keeps
 * it aside fails (recovery reports {@code ERROR}); only a later load, which finds it kept aside
 * already and again reads the same bytes twice, starts the session empty.
 *
 * <p>Bytes are encoded and decoded by {@link DocumentCodec}: plain JSON or an encrypted envelope
 * bound to the storage key it is written under.
 */
final class SessionStorage {

    private static final Logger log = LoggerFactory.getLogger(SessionStorage.class);

    /** How a write ended when it did not fail. */
    enum WriteOutcome {
        /** The document is stored. */
        WRITTEN,
        /** Another writer came first: reload and apply the diffs again. */
        CONFLICT
    }

    /** Where the document lives and how the next write stores it. */
    private sealed interface Location permits At, Moving {
    }

    /** The document is under {@code key} with {@code etag}, or, for a {@code null} etag, nothing is. */
    record At(String key, @Nullable String etag) implements Location {
    }

    /**
     * The state is under the older key {@code from} (a live document with {@code fromEtag}, a move
     * marker when {@code locked}, or nothing when {@code fromEtag} is {@code null}) and moves to
     * {@code to} with the next write. {@code carriesState}: something was found, so the move is
     * worth doing even without a stash.
     */
    private record Moving(String from, @Nullable String fromEtag, boolean locked, String to, boolean carriesState)
            implements Location {
    }

    private static final Map<String, String> NONE = Map.of();

    private final StorageKeys.SessionKeys keys;
    private final TimedStorage storage;
    private final StashSettings settings;
    private final EngineCounters counters;
    private final Executor runner;

    @GuardedBy("runner")
    private boolean loaded;
    @GuardedBy("runner")
    private SessionDocument document = SessionDocument.empty();
    @GuardedBy("runner")
    private Location location;
    /** Whether a document was ever taken as the session's here (read, written, or taken as absent). */
    @GuardedBy("runner")
    private boolean adoptedOnce;
    /** Whether the cached document is {@link #assumeAbsent}'s guess, not written yet (a write adopts another). */
    @GuardedBy("runner")
    private boolean assumed;
    /**
     * Expired versions a store refused to delete, by key: not asked again, replaced by the next write
     * there. {@link #NONE} (shared, immutable) until the first entry: most sessions never need one.
     */
    @GuardedBy("runner")
    private Map<String, String> undeletable = NONE;
    /** Unreadable (corrupt) objects under older keys, by key: the lock replaces them, on this version. {@link #NONE} until needed. */
    @GuardedBy("runner")
    private Map<String, String> unreadable = NONE;
    /** What {@link #weight()} answers: written by the runner, read by the registry's cache on any thread. */
    private volatile int weight = 1;
    /** Called on the runner when {@link #weight()} changed: the registry weighs the actor again. */
    private final Runnable resized;
    /** An object under an older key to delete once the write under the newer key succeeded. */
    @GuardedBy("runner")
    private @Nullable At stray;
    /**
     * The version of the empty move marker the last load passed over under the newest key (a first-step
     * change's fence there, see the class description), or {@code null}: a write or a fence under that key
     * replaces this version.
     */
    @GuardedBy("runner")
    private @Nullable String passedFence;

    SessionStorage(StorageKeys.SessionKeys keys, TimedStorage storage, StashSettings settings, EngineCounters counters,
            Executor runner, Runnable resized) {
        this.keys = keys;
        this.resized = resized;
        this.storage = storage;
        this.settings = settings;
        this.counters = counters;
        this.runner = runner;
        this.location = new At(keys.current(), null);
    }

    /** @return {@code true} while the cached document reflects what storage held when last read or written */
    boolean loaded() {
        return loaded;
    }

    /**
     * Takes the session as absent without reading storage: for an actor that has read and written nothing
     * yet, under a session id its caller has just made and handed to no one, so nothing can be stored under
     * it. The next write is then a create ({@code If-None-Match: *}) under the current key; should something
     * be stored there after all (a wrong hint, or a write of an earlier actor of this session that landed
     * late), the create is refused and the actor reads storage and writes again at once (no backoff, no
     * write attempt spent): a wrong hint costs a read and a retry, never a write. Once per actor. Not
     * during a secret rotation, whose creates lock older keys or go to the next one (see
     * {@link #settleAbsent}): then it does nothing.
     *
     * @return whether the session is now taken as absent (else the caller reads storage)
     */
    boolean assumeAbsent() {
        if (loaded || adoptedOnce || keys.next() != null || !keys.previous().isEmpty()) {
            return false;
        }
        adopt(SessionDocument.empty(), new At(keys.current(), null), 0);
        assumed = true;
        return true;
    }

    /** @return whether the cached document is {@link #assumeAbsent}'s guess, not written yet */
    boolean assumed() {
        return assumed;
    }

    /** Drops {@link #assumeAbsent}'s guess when nothing was written on it: the next operation reads storage. */
    void forgetIfAssumed() {
        if (assumed) {
            assumed = false;
            loaded = false;
        }
    }

    /** Drops the cache: the next operation reads storage again (after a failure or a lost answer). */
    void forget() {
        loaded = false;
        assumed = false;
    }

    /** @return the cached document (empty when nothing is stored); meaningful while {@link #loaded()} */
    SessionDocument document() {
        return document;
    }

    /** @return {@code true} when a document is stored under the key this instance writes */
    boolean stored() {
        return location instanceof At at && at.etag() != null;
    }

    /** @return {@code true} when nothing at all is stored for the session */
    boolean storesNothing() {
        return location instanceof At at ? at.etag() == null
                : location instanceof Moving m && m.fromEtag() == null && !m.carriesState();
    }

    /**
     * @return {@code true} when the session's document, read first, is a document without state under the
     *     current key (an end's or a rotation's empty document, or one whose views were all reset), outside the
     *     first step of a secret rotation: nothing to remove (it hides what older keys may hold from every
     *     instance, all of which read this key first), and a create of the session meets it; a change writes it
     *     again ({@link #renewEmptyDocument()}) so that a write in flight on its version fails. In the first step,
     *     instances that know only the current secret, and instances of the second step that create under the
     *     next one, may run: an end there removes and fences under both keys.
     */
    boolean holdsOnlyAnEmptyDocument() {
        return keys.next() == null && location instanceof At at && at.etag() != null
                && at.key().equals(keys.current()) && !document.hasViews();
    }

    /**
     * @return {@code true} when the session's document, read first, is under the current key while older
     *     secrets' keys are still read (second step of a secret rotation): an end writes an empty document
     *     over it ({@link #renewEmptyDocument()}) instead of deleting it. Deleted, it would uncover what an
     *     older key still holds (a move marker whose delete failed keeps the state from before the move), and
     *     every load would serve that until the end removed it too, or for good should that removal fail.
     */
    boolean overwritesRatherThanDeletes() {
        return keys.next() == null && !keys.previous().isEmpty() && location instanceof At at && at.etag() != null
                && at.key().equals(keys.current());
    }

    /**
     * Removes what the previous secrets' keys hold, each with compare-and-swap on the version read: after an
     * end wrote its empty document over the state under the current key ({@link #overwritesRatherThanDeletes()}),
     * which hides them from every load, so that it leaves nothing of the session under the older keys either
     * (a move marker whose delete failed keeps the state from before the move). A read or a removal that fails
     * leaves that object behind the empty document (it expires with the TTL; a first-step instance's end,
     * which deletes that document, would uncover it). Changes neither the cache nor the location.
     *
     * @return completes on the runner, never exceptionally
     */
    CompletionStage<Void> removeUnderPreviousKeys() {
        return removeUnderPreviousKeys(0);
    }

    private CompletionStage<Void> removeUnderPreviousKeys(int index) {
        if (index >= keys.previous().size()) {
            return done();
        }
        String key = keys.previous().get(index);
        counters.gets.increment();
        return storage.get(key, null).thenComposeAsync(result -> {
            if (!(result instanceof GetResult.Found found)) {
                return done();
            }
            counters.deletes.increment();
            return storage.delete(key, found.etag()).thenApply(deleted -> (Void) null);
        }, runner).handleAsync((ignored, error) -> {
            if (error != null) {
                log.warn("an end left what storage key {} holds (it could not be read or removed: {}); the session's "
                        + "empty document hides it, and it expires with the TTL", key, Outcomes.summary(error));
            }
            return null;
        }, runner).thenComposeAsync(ignored -> removeUnderPreviousKeys(index + 1), runner);
    }

    /**
     * @return {@code true} when the last load found something (state, a move marker, an unreadable object)
     *     under an older key only, nothing live under the newest key: what a rotation's look for leftovers
     *     hides behind an empty document under the newest key ({@link #hideOlderKeys()}) before removing it
     */
    boolean storesUnderAnOlderKeyOnly() {
        return location instanceof Moving m && m.fromEtag() != null;
    }

    /** @return {@code true} when state was found under an older key and the next write moves it */
    boolean moveDue() {
        return location instanceof Moving m && m.carriesState();
    }

    // ---- load ----

    /**
     * Brings the cached document up to date with storage: a conditional GET when the document's
     * object is known, else a read of the keys newest first.
     *
     * @return completes on the runner; exceptionally with a storage error, or with a
     *     {@link SessionDocument.UnsupportedFormatException} (the cache is then dropped)
     */
    CompletionStage<Void> load() {
        CompletionStage<Void> loading;
        if (loaded && location instanceof At at && at.etag() != null && keys.next() == null) {
            loading = revalidate(at);
        } else {
            loading = scan(0);
        }
        return loading.whenCompleteAsync((ignored, error) -> {
            if (error != null) {
                loaded = false;
            }
        }, runner);
    }

    private CompletionStage<Void> revalidate(At at) {
        String etag = at.etag();
        counters.gets.increment();
        return storage.get(at.key(), etag).thenComposeAsync(result -> {
            if (result instanceof GetResult.NotModified) {
                counters.notModified.increment();
                return document.isExpired(settings.clock().instant()) ? scan(0) : done();
            }
            if (result instanceof GetResult.Found found) {
                SessionDocument doc = parsedQuietly(found.body(), at.key()); // unreadable: the scan logs and keeps it aside
                if (doc != null && !doc.isMarker() && !doc.isExpired(settings.clock().instant())) {
                    adopt(doc, new At(at.key(), found.etag()), found.body().length);
                    return done();
                }
            }
            return scan(0); // gone, moved, expired or unreadable: look at every key again
        }, runner);
    }

    private CompletionStage<Void> scan(int index) {
        if (index == 0) {
            unreadable = NONE;
            passedFence = null;
        }
        String key = keys.readKey(index);
        if (key == null) {
            settleAbsent();
            return done();
        }
        counters.gets.increment();
        return storage.get(key, null).thenComposeAsync(result -> {
            if (!(result instanceof GetResult.Found found)) {
                return scan(index + 1);
            }
            SessionDocument doc;
            try {
                doc = codec().decode(found.body(), key);
            } catch (SessionDocument.CorruptDocumentException | DocumentCodec.SealedDocumentException e) {
                if (isExpiredRefusedPlain(found.body())) {
                    return dropExpired(index, key, found.etag());
                }
                return readAgain(index, key, found);
            }
            return adoptFound(index, key, found, doc);
        }, runner);
    }

    /** A readable document found under {@code key}: expired, a move marker, or the session's state. */
    private CompletionStage<Void> adoptFound(int index, String key, GetResult.Found found, SessionDocument doc) {
        if (doc.isExpired(settings.clock().instant())) {
            return dropExpired(index, key, found.etag());
        }
        if (isPassedFence(doc, key)) {
            passedFence = found.etag(); // a first-step change's fence: the session is under the older keys
            return scan(index + 1);
        }
        if (doc.isMarker() && !key.equals(keys.newest())) {
            adopt(doc.content(), new Moving(key, found.etag(), true, keys.newest(), true), found.body().length);
        } else if (writesUnder(key)) {
            adopt(doc.content(), new At(key, found.etag()), found.body().length);
        } else {
            adopt(doc, new Moving(key, found.etag(), false, keys.newest(), true), found.body().length);
        }
        return done();
    }

    /**
     * @return {@code true} for an empty move marker under the newest key: the fence a change of a first-step
     *     instance leaves under the next key (see the class description), which a load passes over
     */
    private boolean isPassedFence(SessionDocument doc, String key) {
        return doc.isMarker() && !doc.hasViews() && key.equals(keys.newest());
    }

    /**
     * The first read of {@code key} was unreadable: read it again before deciding, since a flaky
     * store can answer a GET with a torn or empty body and the object's real ETag. Readable now: it
     * was a transient bad read (logged), and the second answer is used. The same bytes again: it is
     * unreadable for real, kept aside (those confirmed bytes) and handled as documented. Other bytes,
     * unreadable too: the load fails, since nothing may be written over an object whose
     * unreadability is not confirmed.
     */
    private CompletionStage<Void> readAgain(int index, String key, GetResult.Found first) {
        counters.gets.increment();
        return storage.get(key, null).thenComposeAsync(result -> {
            if (!(result instanceof GetResult.Found again)) {
                return scan(index + 1); // deleted meanwhile
            }
            SessionDocument doc;
            try {
                doc = codec().decode(again.body(), key);
            } catch (SessionDocument.CorruptDocumentException e) {
                return Arrays.equals(first.body(), again.body()) ? corrupt(index, key, again, e)
                        : unconfirmed(key, first, again);
            } catch (DocumentCodec.SealedDocumentException e) {
                if (isExpiredRefusedPlain(again.body())) {
                    return dropExpired(index, key, again.etag());
                }
                return Arrays.equals(first.body(), again.body()) ? unsealable(index, key, again, e)
                        : unconfirmed(key, first, again);
            }
            log.warn("transient bad read of the session document under storage key {}: the first answer ({} bytes) "
                    + "was unreadable, a second read ({} bytes) is readable and is used", key, first.body().length,
                    again.body().length);
            return adoptFound(index, key, again, doc);
        }, runner);
    }

    private CompletionStage<Void> unconfirmed(String key, GetResult.Found first, GetResult.Found again) {
        StashException e = new StashException("the session document under storage key " + key
                + " was unreadable in two reads with different contents (" + first.body().length + " and "
                + again.body().length + " bytes); it is neither kept aside nor replaced, and this load fails", null);
        log.error("{}", e.getMessage());
        return CompletableFuture.failedFuture(e);
    }

    /**
     * A corrupt document, confirmed by two reads: kept aside first; then the session starts empty and
     * the next write replaces the bad object (under an older key, the move's lock does).
     */
    private CompletionStage<Void> corrupt(int index, String key, GetResult.Found found,
            SessionDocument.CorruptDocumentException e) {
        log.error("{} (storage key {}, the same bytes in two reads); it is kept aside under {}, and the session "
                + "starts empty", e.getMessage(), key, quarantineKey(key, found.body()));
        return quarantine(key, found.body()).thenComposeAsync(kept -> {
            if (writesUnder(key)) {
                adopt(SessionDocument.empty(), new At(key, found.etag()), 0);
                return done();
            }
            unreadable = with(unreadable, key, found.etag());
            return scan(index + 1);
        }, runner);
    }

    /**
     * A plain document refused while encrypting (see {@link DocumentCodec}) whose expiry has passed.
     * It is parsed as plain JSON only to read that expiry; its content is never served. Treating it
     * as absent, and deleting it (compare-and-swap on the version read), gives someone who can write
     * to the bucket nothing more than they have already: they can delete the object themselves, and
     * absent is what a delete gives them.
     */
    private boolean isExpiredRefusedPlain(byte[] body) {
        if (DocumentCodec.isEnvelope(body)) {
            return false;
        }
        try {
            return SessionDocument.parse(body).isExpired(settings.clock().instant());
        } catch (SessionDocument.CorruptDocumentException | SessionDocument.UnsupportedFormatException e) {
            return false;
        }
    }

    /**
     * An encrypted document that does not open (altered, cut short, or under an unknown key), or a
     * refused plain one, confirmed by two reads: kept aside first. The load that keeps it aside fails,
     * so that recovery reports {@code ERROR} and nothing is written over it by that operation. A load
     * that finds it kept aside already (by this or another instance, and again confirmed by two reads)
     * treats it like a corrupt document: the session starts empty and the next write replaces it.
     */
    private CompletionStage<Void> unsealable(int index, String key, GetResult.Found found,
            DocumentCodec.SealedDocumentException e) {
        return quarantine(key, found.body()).thenComposeAsync(first -> {
            if (first) {
                log.error("{} (storage key {}, the same bytes in two reads); it is kept aside under {}, and this "
                        + "recovery reports an error", e.getMessage(), key, quarantineKey(key, found.body()));
                return CompletableFuture.<Void>failedFuture(e);
            }
            log.warn("{} (storage key {}, the same bytes in two reads); kept aside under {} already, so the session "
                    + "starts empty", e.getMessage(), key, quarantineKey(key, found.body()));
            if (writesUnder(key)) {
                adopt(SessionDocument.empty(), new At(key, found.etag()), 0);
                return done();
            }
            unreadable = with(unreadable, key, found.etag());
            return scan(index + 1);
        }, runner);
    }

    /** Expired means absent: delete it, unless another writer revived it meanwhile. */
    private CompletionStage<Void> dropExpired(int index, String key, String etag) {
        if (etag.equals(undeletable.get(key))) {
            return scan(index + 1);
        }
        counters.deletes.increment();
        return storage.delete(key, etag).thenComposeAsync(deleted -> {
            if (deleted) {
                if (undeletable != NONE) {
                    undeletable.remove(key);
                }
                return scan(index + 1);
            }
            // Changed meanwhile: read it again. Should the store refuse to delete this very version
            // again, it is not asked twice.
            undeletable = with(undeletable, key, etag);
            return scan(index);
        }, runner);
    }

    /** @return {@code map} with the entry added: a new map in place of {@link #NONE} */
    private static Map<String, String> with(Map<String, String> map, String key, String value) {
        Map<String, String> result = map == NONE ? new HashMap<>(2) : map;
        result.put(key, value);
        return result;
    }

    /** Nothing live under any key: where a first write goes. */
    private void settleAbsent() {
        String current = keys.current();
        if (keys.next() != null) {
            adopt(SessionDocument.empty(), new At(current, undeletable.get(current)), 0);
        } else if (!keys.previous().isEmpty()) {
            // Lock the previous key even though nothing is there, so that an instance still in the
            // first rotation step cannot create the session there while this one creates it here.
            String older = keys.previous().get(0);
            String occupied = undeletable.containsKey(older) ? undeletable.get(older) : unreadable.get(older);
            adopt(SessionDocument.empty(), new Moving(older, occupied, false, current, false), 0);
        } else {
            String occupied = passedFence != null ? passedFence : undeletable.get(current);
            adopt(SessionDocument.empty(), new At(current, occupied), 0);
        }
    }

    private boolean writesUnder(String key) {
        return key.equals(keys.current()) || key.equals(keys.next());
    }

    /** @param bytes the document's size as stored (as read, or as written), which weighs the actor */
    private void adopt(SessionDocument doc, Location where, int bytes) {
        document = doc;
        location = where;
        loaded = true;
        adoptedOnce = true;
        assumed = false;
        int weighs = settings.actorWeight(bytes);
        if (weighs != weight) {
            weight = weighs;
            resized.run();
        }
    }

    /**
     * @return how much the session's actor weighs against the registry's bound on live actors (see
     *     {@link StashSettings.Builder#maxLiveBytes}): by the cached document's stored size; any thread
     */
    int weight() {
        return weight;
    }

    private @Nullable SessionDocument parsedQuietly(byte[] body, String key) {
        try {
            return codec().decode(body, key);
        } catch (SessionDocument.CorruptDocumentException | DocumentCodec.SealedDocumentException e) {
            return null;
        }
    }

    /**
     * Copies an unreadable document to its quarantine key, unless it is there already.
     *
     * @return completes on the runner when the copy is stored, with {@code true} when this call
     *     stored it and {@code false} when it was there already; exceptionally when it could not be
     *     (the load then fails, so nothing replaces the document)
     */
    private CompletionStage<Boolean> quarantine(String key, byte[] body) {
        counters.puts.increment();
        return storage.put(quarantineKey(key, body), body, Precondition.absent()).thenApplyAsync(result -> {
            if (result instanceof PutResult.Written) {
                counters.quarantined.increment();
                return true;
            }
            return false;
        }, runner);
    }

    /** @return where an unreadable document under {@code key} is kept aside: one key per distinct content */
    static String quarantineKey(String key, byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return key + ".corrupt-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    // ---- write ----

    /**
     * Writes {@code next} (the cached document with the pending diffs applied) where the session's
     * state belongs, moving it off an older key first if it is there.
     *
     * @param json {@code next.toBytes()}, which the caller has already made (to check its size)
     * @return completes on the runner with the outcome, or exceptionally with a storage error (the
     *     cache is then dropped: the write may or may not have been applied)
     */
    CompletionStage<WriteOutcome> write(SessionDocument next, byte[] json) {
        CompletionStage<WriteOutcome> writing = location instanceof At at ? writeAt(at, next, json)
                : move((Moving) location, next, json);
        return writing.whenCompleteAsync((outcome, error) -> {
            if (error != null || outcome == WriteOutcome.CONFLICT) {
                loaded = false;
            }
        }, runner);
    }

    private CompletionStage<WriteOutcome> writeAt(At at, SessionDocument next, byte[] json) {
        counters.puts.increment();
        return storage.put(at.key(), codec().encode(json, at.key(), keys), precondition(at.etag())).thenComposeAsync(result -> {
            if (!(result instanceof PutResult.Written written)) {
                return conflict();
            }
            At now = new At(at.key(), written.etag());
            if (keys.next() != null && at.key().equals(keys.current())) {
                return checkNextKey(now, next, json.length);
            }
            return stored(next, now, json.length);
        }, runner);
    }

    /** A first-step instance wrote under the current key: is the session under the next key already? */
    private CompletionStage<WriteOutcome> checkNextKey(At written, SessionDocument next, int bytes) {
        String nextKey = keys.newest();
        counters.gets.increment();
        return storage.get(nextKey, null).thenComposeAsync(result -> {
            if (result instanceof GetResult.Found found) {
                SessionDocument doc = parsedQuietly(found.body(), nextKey);
                if (doc != null && isPassedFence(doc, nextKey)) {
                    passedFence = found.etag(); // a change's fence only: the session is still under the current key
                    return stored(next, written, bytes);
                }
                // A second-step instance moved or created it: these diffs belong there.
                stray = written;
                return conflict();
            }
            return stored(next, written, bytes);
        }, runner);
    }

    private CompletionStage<WriteOutcome> move(Moving moving, SessionDocument next, byte[] json) {
        CompletionStage<@Nullable String> lock;
        if (moving.locked()) {
            lock = completed(moving.fromEtag());
        } else {
            counters.puts.increment();
            // The marker expires like the state it carries (a lock on an empty key: like the new write).
            SessionDocument marker = (document.expiresAt() != null ? document : document.withExpiry(next.expiresAt()))
                    .asMarker();
            lock = storage.put(moving.from(), encode(marker, moving.from()), precondition(moving.fromEtag()))
                    .thenApply(result -> result instanceof PutResult.Written written ? written.etag() : null);
        }
        return lock.thenComposeAsync(markerEtag -> {
            if (markerEtag == null) {
                return conflict(); // the old key changed since it was read
            }
            location = new Moving(moving.from(), markerEtag, true, moving.to(), moving.carriesState());
            counters.puts.increment();
            // Created, or in place of the fence a first-step change left there (passed over by the load).
            Precondition creating = precondition(passedFence);
            byte[] bytes = codec().encode(json, moving.to(), keys);
            return storage.put(moving.to(), bytes, creating).thenComposeAsync(result -> {
                if (!(result instanceof PutResult.Written written)) {
                    return conflict(); // moved by another instance: reload finds it
                }
                stray = new At(moving.from(), markerEtag);
                return stored(next, new At(moving.to(), written.etag()), json.length);
            }, runner);
        }, runner);
    }

    /**
     * The write succeeded. An object left under an older key (the move marker, or what a first-step
     * instance created before it found the next key) is deleted before the write is reported, so
     * that afterwards only the newest key holds the session; a failure to delete it is only logged
     * (it points to the newer key, or its content is there, and it expires).
     */
    private CompletionStage<WriteOutcome> stored(SessionDocument next, At where, int bytes) {
        adopt(next, where, bytes);
        if (where.key().equals(keys.newest())) {
            passedFence = null; // replaced by this write
        }
        At leftOver = stray;
        stray = null;
        if (leftOver == null || leftOver.key().equals(where.key())) {
            return completed(WriteOutcome.WRITTEN);
        }
        counters.deletes.increment();
        return storage.delete(leftOver.key(), leftOver.etag()).handle((deleted, error) -> {
            if (error != null || !Boolean.TRUE.equals(deleted)) {
                log.debug("left the object under an older key in place (it points to the newer key and expires): {}",
                        error != null ? error.toString() : "changed meanwhile");
            }
            return WriteOutcome.WRITTEN;
        });
    }

    // ---- session id rotation and end ----

    /**
     * Writes {@code doc} under {@code key} without touching this actor's cache: creates it
     * ({@code If-None-Match: *}), or, when {@code etag} is given, replaces that version. A session id
     * rotation copies the state to the key of a brand-new session (no other writer knows its id yet, so
     * nothing else writes there meanwhile), and puts it back under this session's key when the rotation
     * must not stand ({@link SessionChanges}).
     *
     * @return completes on the runner with the new object's ETag, or {@code null} if the key was not
     *     in the expected state
     */
    CompletionStage<@Nullable String> copyTo(String key, @Nullable String etag, SessionDocument doc) {
        counters.puts.increment();
        return storage.put(key, codec().encode(doc, key, null), precondition(etag)).thenApplyAsync(
                result -> result instanceof PutResult.Written written ? written.etag() : null, runner);
    }

    /**
     * Removes the object the last load found the session's state in (compare-and-swap on the version
     * read). Afterwards the cache is dropped: the next load looks at every key again, so an object
     * left under another key (an older secret's) is found by it.
     *
     * @return completes on the runner: {@code WRITTEN} when the object is gone (or nothing was
     *     found), {@code CONFLICT} when it changed since it was read
     */
    CompletionStage<WriteOutcome> remove() {
        At found = removable();
        loaded = false;
        if (found == null) {
            return completed(WriteOutcome.WRITTEN);
        }
        counters.deletes.increment();
        return storage.delete(found.key(), found.etag()).thenApplyAsync(
                deleted -> deleted ? WriteOutcome.WRITTEN : WriteOutcome.CONFLICT, runner);
    }

    /**
     * Refuses the creates of this session that may still land: under the keys creates land on (where a
     * create that failed or got no answer in time, here or on another instance, lands: the current secret's
     * key, and the next secret's, where the second step of a secret rotation creates sessions) and under
     * every other key on which a PUT of this instance got no answer in time ({@link TimedStorage#writeMayLand}),
     * creates ({@code If-None-Match: *}) an empty document that expires with the TTL like any other (a load
     * deletes it once expired, and so do the sweeper and a lifecycle rule). A late create then meets a precondition
     * failure instead of storing its state again (a late PUT on a version fails anyway: that version is
     * gone). For a session id rotation or an end whose last load found nothing stored
     * ({@link SessionChanges}). The cache is dropped: the next operation reads the empty document, an empty
     * session.
     * <p>Under the next secret's key (first step of a secret rotation) the empty document is an empty move
     * marker, which every load passes over to the current key: instances that know only the current secret
     * may still store the session there, and an empty document under the next key would hide what they store
     * from first-step instances (they read that key first). Where the load passed over such a marker, it is
     * replaced (compare-and-swap on its version) instead of created.
     *
     * @return completes on the runner: {@code WRITTEN} when every such key holds an empty document now,
     *     {@code CONFLICT} when one held an object already (a late PUT landed first, or another writer's):
     *     load again and remove it; exceptionally with a storage error
     */
    CompletionStage<WriteOutcome> fence() {
        loaded = false;
        return fence(0, SessionDocument.empty().withExpiry(settings.clock().instant().plus(settings.ttl())));
    }

    /** Fences the keys at {@code index} and after, in read order, on which a PUT may land. */
    private CompletionStage<WriteOutcome> fence(int index, SessionDocument empty) {
        for (int i = index;; i++) {
            String key = keys.readKey(i);
            if (key == null) {
                return completed(WriteOutcome.WRITTEN);
            }
            if (writesUnder(key) || storage.writeMayLand(key)) {
                int after = i + 1;
                SessionDocument fence = key.equals(keys.next()) ? empty.asMarker() : empty;
                counters.puts.increment();
                Precondition creating = precondition(key.equals(keys.newest()) ? passedFence : null);
                return storage.put(key, encode(fence, key), creating).thenComposeAsync(
                        result -> result instanceof PutResult.Written ? fence(after, empty) : conflict(), runner);
            }
        }
    }

    /**
     * Writes an empty document over the one the last load found under the current key, with compare-and-swap on
     * its version: the empty document found again ({@link #holdsOnlyAnEmptyDocument()}), or, for an end in the
     * second step of a secret rotation, the state ({@link #overwritesRatherThanDeletes()}). A new version, so
     * that a write still in flight with {@code If-Match} on the version that was read (a stash that got no
     * answer in time, here or on another instance) fails instead of storing its state after an end or a
     * rotation. The cache is dropped.
     *
     * @return completes on the runner: {@code WRITTEN}, or {@code CONFLICT} when the document changed since it
     *     was read (load again); exceptionally with a storage error
     */
    CompletionStage<WriteOutcome> renewEmptyDocument() {
        At at = (At) location;
        loaded = false;
        counters.puts.increment();
        SessionDocument empty = SessionDocument.empty().withExpiry(settings.clock().instant().plus(settings.ttl()));
        return storage.put(at.key(), encode(empty, at.key()), precondition(at.etag())).thenApplyAsync(
                result -> result instanceof PutResult.Written ? WriteOutcome.WRITTEN : WriteOutcome.CONFLICT, runner);
    }

    /**
     * Creates an empty document under the newest key (or replaces the fence the load passed over there) while
     * the last load found something under an older key only ({@link #storesUnderAnOlderKeyOnly()}): every load
     * stops at it, so what is under the older keys is hidden from every instance even if removing it fails (a
     * move marker there would otherwise make the next load finish the move). Leaves the location, so
     * {@link #remove()} removes what was found next; the cache is dropped.
     *
     * @return completes on the runner: {@code WRITTEN}, or {@code CONFLICT} when the newest key held an object
     *     (load again); exceptionally with a storage error
     */
    CompletionStage<WriteOutcome> hideOlderKeys() {
        String newest = keys.newest();
        loaded = false;
        counters.puts.increment();
        SessionDocument empty = SessionDocument.empty().withExpiry(settings.clock().instant().plus(settings.ttl()));
        return storage.put(newest, encode(empty, newest), precondition(passedFence)).thenApplyAsync(
                result -> result instanceof PutResult.Written ? WriteOutcome.WRITTEN : WriteOutcome.CONFLICT, runner);
    }

    /** @return the object {@link #remove()} deletes now (its key and version), or {@code null} when it deletes nothing */
    @Nullable At removable() {
        At found = location instanceof At at ? at
                : location instanceof Moving m ? new At(m.from(), m.fromEtag()) : null;
        return found == null || found.etag() == null ? null : found;
    }

    private byte[] encode(SessionDocument doc, String key) {
        return codec().encode(doc, key, keys);
    }

    /** The settings' codec (not a field: heap per live actor). */
    private DocumentCodec codec() {
        return settings.documentCodec();
    }

    private static Precondition precondition(@Nullable String etag) {
        return etag == null ? Precondition.absent() : Precondition.matching(etag);
    }

    private static CompletionStage<WriteOutcome> conflict() {
        return completed(WriteOutcome.CONFLICT);
    }

    private static CompletionStage<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private static <T> CompletionStage<T> completed(T value) {
        return CompletableFuture.completedFuture(value);
    }
}

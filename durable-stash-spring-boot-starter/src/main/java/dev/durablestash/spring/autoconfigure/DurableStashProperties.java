package dev.durablestash.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

import dev.durablestash.core.InvalidValuePolicy;
import dev.durablestash.storage.s3.ConditionalDeletes;
import dev.durablestash.storage.s3.IfMatchForm;
import dev.durablestash.storage.s3.RequestChecksums;

/**
 * Configuration properties of DurableStash, under {@code durable-stash.*}.
 *
 * <p>Mutable JavaBean bound by Spring Boot; not thread-safe while binding, read-only afterwards.
 */
@ConfigurationProperties("durable-stash")
public class DurableStashProperties {

    /**
     * HMAC secret that turns session ids into storage keys, at least 32 bytes. Required with S3 (all
     * instances sharing a bucket need the same one). With the filesystem default, one is generated
     * on first start and kept in the storage directory.
     */
    private @Nullable String secret;

    /**
     * Secrets used before the current one, newest first. State stored under them is still found, and
     * moves to the current secret's key on its next write.
     */
    private List<String> previousSecrets = new ArrayList<>();

    /**
     * The secret a rotation moves to (its first step): state is still written under the current
     * secret, but an instance follows it to this secret's key once an instance of the second step
     * (this secret current, the old one in previous-secrets) has moved it there. Cannot be combined
     * with previous-secrets.
     */
    private @Nullable String nextSecret;

    /** How long a browser session's state lives after its last write. A bare number means seconds. */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration ttl = Duration.ofDays(7);

    /**
     * Whether every mount revalidates the cached session document with a conditional GET. Switch off
     * only when a single application instance uses the storage.
     */
    private boolean revalidateOnMount = true;

    /**
     * Largest accepted JSON encoding of one stashed value. At most max-document-size. Default 64KB, or
     * max-document-size when that is smaller.
     */
    private @Nullable DataSize maxValueSize;

    /** Largest accepted session document (all views of one browser session). */
    private DataSize maxDocumentSize = DataSize.ofMegabytes(1);

    /**
     * What a stash does with a value that cannot be stored (not JSON, or too large): 'raise' fails
     * the request with HTTP 500, 'log' skips that key with a warning and stashes the others.
     */
    private InvalidValuePolicy onInvalidValue = InvalidValuePolicy.RAISE;

    /** HTTP status answered when a stash could not be written to storage. */
    private int failureStatus = 503;

    /**
     * Deadline of every recover, stash and reset: past it the request fails (with failure-status) and
     * a storage call still running is treated as a lost answer. Every S3 call is bounded below it (half
     * for a call, a quarter for one attempt), also on the application's own S3AsyncClient. A number
     * without a unit means seconds.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration operationTimeout = Duration.ofSeconds(10);

    private final Actor actor = new Actor();

    private final Storage storage = new Storage();

    private final Cookie cookie = new Cookie();

    private final Security security = new Security();

    private final Encryption encryption = new Encryption();

    public @Nullable String getSecret() {
        return secret;
    }

    public void setSecret(@Nullable String secret) {
        this.secret = secret;
    }

    public List<String> getPreviousSecrets() {
        return previousSecrets;
    }

    public void setPreviousSecrets(List<String> previousSecrets) {
        this.previousSecrets = previousSecrets;
    }

    public @Nullable String getNextSecret() {
        return nextSecret;
    }

    public void setNextSecret(@Nullable String nextSecret) {
        this.nextSecret = nextSecret;
    }

    public Duration getTtl() {
        return ttl;
    }

    public void setTtl(Duration ttl) {
        this.ttl = ttl;
    }

    public boolean isRevalidateOnMount() {
        return revalidateOnMount;
    }

    public void setRevalidateOnMount(boolean revalidateOnMount) {
        this.revalidateOnMount = revalidateOnMount;
    }

    /** @return the value limit set, or {@code null} for the default (64KB, or max-document-size when smaller) */
    public @Nullable DataSize getMaxValueSize() {
        return maxValueSize;
    }

    public void setMaxValueSize(@Nullable DataSize maxValueSize) {
        this.maxValueSize = maxValueSize;
    }

    public DataSize getMaxDocumentSize() {
        return maxDocumentSize;
    }

    public void setMaxDocumentSize(DataSize maxDocumentSize) {
        this.maxDocumentSize = maxDocumentSize;
    }

    public InvalidValuePolicy getOnInvalidValue() {
        return onInvalidValue;
    }

    public void setOnInvalidValue(InvalidValuePolicy onInvalidValue) {
        this.onInvalidValue = onInvalidValue;
    }

    public int getFailureStatus() {
        return failureStatus;
    }

    public void setFailureStatus(int failureStatus) {
        this.failureStatus = failureStatus;
    }

    public Duration getOperationTimeout() {
        return operationTimeout;
    }

    public void setOperationTimeout(Duration operationTimeout) {
        this.operationTimeout = operationTimeout;
    }

    public Actor getActor() {
        return actor;
    }

    public Storage getStorage() {
        return storage;
    }

    public Cookie getCookie() {
        return cookie;
    }

    public Security getSecurity() {
        return security;
    }

    public Encryption getEncryption() {
        return encryption;
    }

    /**
     * At-rest encryption of session documents: AES-256-GCM under a key derived (HKDF-SHA256) from the
     * secret, bound to the document's storage key.
     */
    public static class Encryption {

        /**
         * Write session documents encrypted. Warning: enabled alone on a store that holds sessions
         * already, it refuses their plain documents; enable accept-plain-documents with it first (see
         * there). Encrypted documents are read whether or not this is on, as long as their secret is
         * configured.
         */
        private boolean enabled;

        /**
         * While encryption is on, still read plain (unencrypted) documents: for the migration of a
         * store that holds plain ones (each is rewritten encrypted by its next write); switch it off
         * again one ttl later. Off, a plain document is treated like a tampered one: kept aside,
         * reported as an error once, then replaced; an expired one (a session that never came back)
         * is absent. Anyone who can write to the store can plant a plain document, so only with this
         * off are the store's contents authenticated. Encryption protects the confidentiality and
         * integrity of a document's contents and its binding to its storage key; it does not protect
         * freshness (someone who can write to the store can put back an older envelope of the same
         * key: a rollback) nor deletion.
         */
        private boolean acceptPlainDocuments;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public boolean isAcceptPlainDocuments() {
            return acceptPlainDocuments;
        }

        public void setAcceptPlainDocuments(boolean acceptPlainDocuments) {
            this.acceptPlainDocuments = acceptPlainDocuments;
        }
    }

    /** With Spring Security on the classpath: what login and logout do to the browser session. */
    public static class Security {

        /**
         * Rotate the sid at interactive login (form login, remember-me...): the state moves to a new
         * sid, so a sid someone else planted or saw before login gives no access to it.
         */
        private boolean rotateOnLogin = true;

        /**
         * End the browser session at every logout of a security filter chain, with or without an
         * authentication: its state is removed and the sid cookie cleared, so the next user of the
         * same browser starts from defaults.
         */
        private boolean endOnLogout = true;

        public boolean isRotateOnLogin() {
            return rotateOnLogin;
        }

        public void setRotateOnLogin(boolean rotateOnLogin) {
            this.rotateOnLogin = rotateOnLogin;
        }

        public boolean isEndOnLogout() {
            return endOnLogout;
        }

        public void setEndOnLogout(boolean endOnLogout) {
            this.endOnLogout = endOnLogout;
        }
    }

    /** Session actors: one per browser session in memory, dropped when idle. */
    public static class Actor {

        /**
         * How long a session actor with nothing to do stays in memory (its state is in storage). A bare
         * number means seconds.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration idleTimeout = Duration.ofMinutes(5);

        /** Largest number of session actors kept in memory; busy actors are never dropped. */
        private int maxLive = 10_000;

        /**
         * Most bytes of session documents (as stored) the session actors in memory cache together; an
         * actor whose document is larger than max-live-bytes / max-live counts as several. At least
         * max-document-size.
         */
        private DataSize maxLiveBytes = DataSize.ofMegabytes(64);

        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public int getMaxLive() {
            return maxLive;
        }

        public void setMaxLive(int maxLive) {
            this.maxLive = maxLive;
        }

        public DataSize getMaxLiveBytes() {
            return maxLiveBytes;
        }

        public void setMaxLiveBytes(DataSize maxLiveBytes) {
            this.maxLiveBytes = maxLiveBytes;
        }
    }

    /** Where session documents are kept. */
    public static class Storage {

        /**
         * Storage type: 's3', 'filesystem' or 'memory' (tests; needs durable-stash-test-backend).
         * Default: 's3' when a bucket is set, otherwise 'filesystem', or 'memory' when
         * durable-stash-test-backend is on the classpath (its auto-configuration provides it).
         */
        private @Nullable StorageType type;

        private final S3 s3 = new S3();

        private final Filesystem filesystem = new Filesystem();

        public @Nullable StorageType getType() {
            return type;
        }

        public void setType(@Nullable StorageType type) {
            this.type = type;
        }

        public S3 getS3() {
            return s3;
        }

        public Filesystem getFilesystem() {
            return filesystem;
        }

        /** @return the configured type, or the default for the other settings */
        public StorageType resolvedType() {
            if (type != null) {
                return type;
            }
            return StringUtils.hasText(s3.getBucket()) ? StorageType.S3 : StorageType.FILESYSTEM;
        }
    }

    /** The kinds of storage the starter can configure. */
    public enum StorageType {

        /** An S3-compatible bucket (AWS S3, MinIO, ...); needs the AWS SDK's {@code s3} module. */
        S3,

        /** A directory on the local filesystem: one machine, survives restarts. */
        FILESYSTEM,

        /** In memory, lost on restart; for tests. Needs {@code durable-stash-test-backend}. */
        MEMORY
    }

    /** What the startup check of an S3 store does with its findings. */
    public enum StoreCheck {

        /** Check; fail startup when the store's compare-and-swap cannot be trusted. */
        VERIFY,

        /** Check; log a warning when the store's compare-and-swap cannot be trusted, and start. */
        WARN,

        /** Do not check. */
        OFF
    }

    /**
     * S3-compatible object storage. The endpoint, region, path-style, credential and max-concurrency
     * settings configure the S3 client the starter builds; they are ignored when the application has an
     * S3AsyncClient bean, which is then used as it is.
     */
    public static class S3 {

        /** Bucket that holds the session documents. Setting it selects S3 storage. */
        private @Nullable String bucket;

        /** Prefix of every object key. */
        private String prefix = "durable-stash/";

        /** Endpoint of an S3-compatible service (e.g. MinIO); the AWS endpoint for the region when unset. */
        private @Nullable URI endpoint;

        /** Region; the AWS default region provider chain when unset. */
        private @Nullable String region;

        /** Whether to address the bucket in the path rather than the host name (MinIO and most other S3-compatible services need this). */
        private boolean pathStyleAccess;

        /** Access key id of static credentials (set together with secret-access-key); the AWS default credentials provider chain when unset. */
        private @Nullable String accessKeyId;

        /** Secret access key of static credentials (set together with access-key-id). */
        private @Nullable String secretAccessKey;

        /** Most HTTP connections (requests in flight) to the store; each browser session has at most one request in flight. */
        private int maxConcurrency = 64;

        /**
         * How expired documents are deleted without deleting a concurrent rewrite: 'native' sends
         * DELETE with If-Match (AWS S3); 'emulated', for stores that ignore or reject If-Match on
         * DELETE, first replaces the document with a tombstone by a conditional PUT, then deletes it;
         * 'auto' is emulated until the startup store check has seen the store honour If-Match on
         * DELETE, native from then on.
         */
        private ConditionalDeletes conditionalDeletes = ConditionalDeletes.AUTO;

        /**
         * How the ETag is written in If-Match: 'quoted' (HTTP, AWS S3), 'unquoted' (Ceph RGW 16.2), or
         * 'auto': quoted until the store refuses its current ETag in that form and accepts the other.
         */
        private IfMatchForm ifMatchForm = IfMatchForm.AUTO;

        /**
         * When uploads carry checksums: 'when-required' sends plain bodies (every S3-compatible store
         * reads them), also through an application's own S3AsyncClient; 'when-supported' is the AWS
         * SDK's default (a CRC32 on every upload, chunked), for AWS S3.
         */
        private RequestChecksums requestChecksums = RequestChecksums.WHEN_REQUIRED;

        /**
         * The startup check of the store's compare-and-swap (one probe object under the prefix, removed
         * afterwards): 'verify' fails startup when the store does not honour the preconditions several
         * instances rely on (ignores or refuses them, or answers without ETags); 'warn' logs that and starts
         * anyway (a single instance needs no cross-instance compare-and-swap); 'off' skips the check.
         */
        private StoreCheck storeCheck = StoreCheck.VERIFY;

        public @Nullable String getAccessKeyId() {
            return accessKeyId;
        }

        public void setAccessKeyId(@Nullable String accessKeyId) {
            this.accessKeyId = accessKeyId;
        }

        public @Nullable String getSecretAccessKey() {
            return secretAccessKey;
        }

        public void setSecretAccessKey(@Nullable String secretAccessKey) {
            this.secretAccessKey = secretAccessKey;
        }

        public int getMaxConcurrency() {
            return maxConcurrency;
        }

        public void setMaxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
        }

        public IfMatchForm getIfMatchForm() {
            return ifMatchForm;
        }

        public void setIfMatchForm(IfMatchForm ifMatchForm) {
            this.ifMatchForm = ifMatchForm;
        }

        public RequestChecksums getRequestChecksums() {
            return requestChecksums;
        }

        public void setRequestChecksums(RequestChecksums requestChecksums) {
            this.requestChecksums = requestChecksums;
        }

        public StoreCheck getStoreCheck() {
            return storeCheck;
        }

        public void setStoreCheck(StoreCheck storeCheck) {
            this.storeCheck = storeCheck;
        }

        public ConditionalDeletes getConditionalDeletes() {
            return conditionalDeletes;
        }

        public void setConditionalDeletes(ConditionalDeletes conditionalDeletes) {
            this.conditionalDeletes = conditionalDeletes;
        }

        public @Nullable String getBucket() {
            return bucket;
        }

        public void setBucket(@Nullable String bucket) {
            this.bucket = bucket;
        }

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public @Nullable URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(@Nullable URI endpoint) {
            this.endpoint = endpoint;
        }

        public @Nullable String getRegion() {
            return region;
        }

        public void setRegion(@Nullable String region) {
            this.region = region;
        }

        public boolean isPathStyleAccess() {
            return pathStyleAccess;
        }

        public void setPathStyleAccess(boolean pathStyleAccess) {
            this.pathStyleAccess = pathStyleAccess;
        }
    }

    /** The embedded default storage: a directory on this machine. */
    public static class Filesystem {

        /**
         * Directory that holds the session documents (and the generated secret), relative to the
         * working directory unless absolute. Created when missing.
         */
        private Path directory = Path.of(".durable-stash");

        /**
         * Threads of the filesystem storage's own I/O pool (its blocking reads, writes and fsyncs), at
         * least 1. Default: max(8, available processors), max(64, available processors) with the
         * journal; a write spends most of its time waiting for fsync, and a disk forces concurrent
         * writes faster than one after another.
         */
        private @Nullable Integer ioThreads;

        /**
         * Write through a journal: one fsync makes the concurrent writes of many sessions durable
         * (group commit), replayed after a crash. The directory is then this process's alone: another
         * process cannot open it at the same time (a second instance on this machine fails to
         * start). Default io-threads then max(64, available processors): a write holds a thread
         * while it waits for the journal.
         */
        private boolean journal;

        private final Sweep sweep = new Sweep();

        public Path getDirectory() {
            return directory;
        }

        public void setDirectory(Path directory) {
            this.directory = directory;
        }

        public @Nullable Integer getIoThreads() {
            return ioThreads;
        }

        public void setIoThreads(@Nullable Integer ioThreads) {
            this.ioThreads = ioThreads;
        }

        public boolean isJournal() {
            return journal;
        }

        public void setJournal(boolean journal) {
            this.journal = journal;
        }

        public Sweep getSweep() {
            return sweep;
        }
    }

    /**
     * The expiry sweeper of the filesystem storage: deletes documents of sessions that expired and
     * never came back (expired state is never served either way). Safe with several processes on one
     * directory.
     */
    public static class Sweep {

        /**
         * Whether the filesystem storage is swept (the starter's backend, or an application's
         * FileSystemStorageBackend bean declared as that type or as StorageBackend).
         */
        private boolean enabled = true;

        /**
         * Time between two sweeps (the first runs one interval after startup); at least 1ms. A number
         * without a unit means seconds.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration interval = Duration.ofMinutes(10);

        /** Most documents one sweep reads; the next sweep resumes where it stopped. */
        private int maxFilesPerRun = 10_000;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getInterval() {
            return interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public int getMaxFilesPerRun() {
            return maxFilesPerRun;
        }

        public void setMaxFilesPerRun(int maxFilesPerRun) {
            this.maxFilesPerRun = maxFilesPerRun;
        }
    }

    /** The sid cookie that identifies a browser session. */
    public static class Cookie {

        /** Cookie name. */
        private String name = "sid";

        /**
         * Cookie domain, a host name such as example.com (no scheme, port, path or leading dot); the
         * request's host when unset.
         */
        private @Nullable String domain;

        /** Cookie path, starting with '/'; the application's context path when unset. */
        private @Nullable String path;

        /**
         * Lifetime of the cookie, refreshed on every request that uses it; at least 1 second. A bare
         * number means seconds. Unset: a browser-session cookie (state lives until the browser session
         * ends or the TTL expires).
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private @Nullable Duration maxAge;

        /** Whether the cookie is marked Secure; unset: Secure exactly when the request came over HTTPS. */
        private @Nullable Boolean secure;

        /** SameSite attribute: 'Lax', 'Strict' or 'None' (None needs Secure). */
        private String sameSite = "Lax";

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public @Nullable String getDomain() {
            return domain;
        }

        public void setDomain(@Nullable String domain) {
            this.domain = domain;
        }

        public @Nullable String getPath() {
            return path;
        }

        public void setPath(@Nullable String path) {
            this.path = path;
        }

        public @Nullable Duration getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(@Nullable Duration maxAge) {
            this.maxAge = maxAge;
        }

        public @Nullable Boolean getSecure() {
            return secure;
        }

        public void setSecure(@Nullable Boolean secure) {
            this.secure = secure;
        }

        public String getSameSite() {
            return sameSite;
        }

        public void setSameSite(String sameSite) {
            this.sameSite = sameSite;
        }
    }
}

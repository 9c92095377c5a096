package dev.durablestash.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;

/**
 * Checks the {@code durable-stash.*} properties and maps them onto {@link StashSettings} and the
 * {@link SidCookie}: the one place where property values are checked and meet the engine and the
 * cookie. An invalid value, or one the engine or the cookie rejects, fails startup with an
 * {@link InvalidConfigurationPropertyValueException} naming the property. Elsewhere in this package
 * {@link #invalid} only reports what a backend's builder rejects, a missing secret, or a storage type
 * whose module is not on the classpath.
 */
final class SettingsMapping {

    private static final String PREFIX = "durable-stash.";

    /** Shortest accepted sweep interval: the sweeper schedules in whole milliseconds. */
    static final Duration MIN_SWEEP_INTERVAL = Duration.ofMillis(1);

    private SettingsMapping() {
    }

    static StashSettings.Builder toBuilder(DurableStashProperties properties, String secret, boolean secretFromProperties,
            @Nullable String keyPrefix) {
        StashSettings.Builder b = StashSettings.builder();
        apply(secretFromProperties ? "secret" : null, "******", () -> b.secret(secret));
        if (properties.getPreviousSecrets().contains(secret)) {
            throw invalid("previous-secrets", "******", "contains the current secret: list only the secrets that "
                    + "durable-stash.secret replaced");
        }
        apply("previous-secrets", "******", () -> b.previousSecrets(properties.getPreviousSecrets()));
        String nextSecret = properties.getNextSecret();
        if (nextSecret != null) {
            if (nextSecret.equals(secret)) {
                throw invalid("next-secret", "******", "equals durable-stash.secret: in a rotation's first step the "
                        + "secret stays the old one and next-secret is the new one");
            }
            if (!properties.getPreviousSecrets().isEmpty()) {
                throw invalid("next-secret", "******", "cannot be combined with durable-stash.previous-secrets: finish the "
                        + "earlier rotation (remove previous-secrets) before starting the next one");
            }
            apply("next-secret", "******", () -> b.nextSecret(nextSecret));
        }
        if (keyPrefix != null) {
            apply("storage.s3.prefix", keyPrefix, () -> b.keyPrefix(keyPrefix));
        }
        apply("ttl", properties.getTtl(), () -> b.ttl(properties.getTtl()));
        b.revalidateOnMount(properties.isRevalidateOnMount());
        DataSize maxValueSize = properties.getMaxValueSize(); // unset: 64KB, or max-document-size when smaller
        if (maxValueSize != null) {
            apply("max-value-size", maxValueSize, () -> b.maxValueBytes(toIntBytes(maxValueSize.toBytes())));
        }
        apply("max-document-size", properties.getMaxDocumentSize(),
                () -> b.maxDocumentBytes(toIntBytes(properties.getMaxDocumentSize().toBytes())));
        if (maxValueSize != null && maxValueSize.toBytes() > properties.getMaxDocumentSize().toBytes()) {
            throw invalid("max-value-size", maxValueSize, "must be at most durable-stash.max-document-size ("
                    + properties.getMaxDocumentSize().toBytes() + " bytes): a value larger than the session document "
                    + "could never be stored, every stash holding one would fail");
        }
        b.invalidValuePolicy(properties.getOnInvalidValue());
        b.operationTimeout(operationTimeout(properties));
        apply("actor.idle-timeout", properties.getActor().getIdleTimeout(),
                () -> b.actorIdleTimeout(properties.getActor().getIdleTimeout()));
        apply("actor.max-live", properties.getActor().getMaxLive(),
                () -> b.maxLiveActors(properties.getActor().getMaxLive()));
        DataSize maxLiveBytes = properties.getActor().getMaxLiveBytes();
        apply("actor.max-live-bytes", maxLiveBytes, () -> b.maxLiveBytes(maxLiveBytes.toBytes()));
        if (maxLiveBytes.toBytes() < properties.getMaxDocumentSize().toBytes()) {
            throw invalid("actor.max-live-bytes", maxLiveBytes, "must be at least durable-stash.max-document-size ("
                    + properties.getMaxDocumentSize() + "): the session actors in memory could not keep one document "
                    + "of the largest size");
        }
        b.encryptAtRest(properties.getEncryption().isEnabled());
        b.acceptPlainDocuments(properties.getEncryption().isAcceptPlainDocuments());
        return b;
    }

    /**
     * @return {@code durable-stash.operation-timeout}
     * @throws InvalidConfigurationPropertyValueException if it is not positive
     */
    static Duration operationTimeout(DurableStashProperties properties) {
        Duration timeout = properties.getOperationTimeout();
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw invalid("operation-timeout", timeout, "must be positive");
        }
        return timeout;
    }

    /** @return the prefix of a cookie name that has one ({@code __Host-}, {@code __Secure-}), as it is written */
    private static String prefixOf(String name) {
        return name.substring(0, name.indexOf('-') + 1);
    }

    /**
     * Maps the sid cookie's properties, for the servlet and the reactive filter alike.
     *
     * @throws InvalidConfigurationPropertyValueException for a name that is not a cookie name, a domain that is
     *     not a host name, a path that does not start with {@code /} or has a character no cookie can have, a
     *     same-site other than Lax, Strict or None, same-site None or a {@code __Host-} or {@code __Secure-}
     *     name with secure false, a {@code __Host-} name with a domain or a path other than {@code /}, or a
     *     max-age that is not positive
     */
    static SidCookie sidCookie(DurableStashProperties.Cookie properties) {
        SidCookie cookie = new SidCookie();
        PropertyMapper map = PropertyMapper.get();
        String name = properties.getName();
        apply("cookie.name", name, () -> cookie.setName(name == null ? "" : name));
        // Checked here, at startup: the cookie writer would otherwise refuse them on every response that
        // sets the cookie
        map.from(properties::getDomain)
                .to((domain) -> apply("cookie.domain", domain, () -> cookie.setDomain(domain)));
        map.from(properties::getPath).to((path) -> apply("cookie.path", path, () -> cookie.setPath(path)));
        map.from(properties::getSecure).to(cookie::setSecure);
        String sameSite = properties.getSameSite();
        apply("cookie.same-site", sameSite == null ? "" : sameSite, () -> cookie.setSameSite(sameSite));
        // What SidCookie enforces whatever was set (Secure with SameSite=None or a __Host- or __Secure- name,
        // Path=/ and no Domain with a __Host- name): a property that says otherwise fails startup.
        if (Boolean.FALSE.equals(properties.getSecure()) && Boolean.TRUE.equals(cookie.getSecure())) {
            throw invalid("cookie.secure", false, ("None".equals(cookie.getSameSite())
                    ? "durable-stash.cookie.same-site is None" : "the cookie name " + name + " has the " + prefixOf(name)
                            + " prefix") + ", which browsers refuse without Secure: the browser would never keep the sid cookie");
        }
        if (properties.getDomain() != null && cookie.getDomain() == null) {
            throw invalid("cookie.domain", properties.getDomain(), "the cookie name " + name + " has the "
                    + prefixOf(name) + " prefix, which browsers refuse with a Domain attribute");
        }
        if (properties.getPath() != null && !properties.getPath().equals(cookie.getPath())) {
            throw invalid("cookie.path", properties.getPath(), "the cookie name " + name + " has the " + prefixOf(name)
                    + " prefix, which browsers accept only with Path=/");
        }
        map.from(properties::getMaxAge).to((maxAge) -> apply("cookie.max-age", maxAge, () -> cookie.setMaxAge(maxAge)));
        return cookie;
    }

    /**
     * @return {@code durable-stash.failure-status}
     * @throws InvalidConfigurationPropertyValueException if it is not an HTTP error status
     */
    static int failureStatus(DurableStashProperties properties) {
        int status = properties.getFailureStatus();
        if (status < 400 || status > 599) {
            throw invalid("failure-status", status, "must be an HTTP error status (400 to 599)");
        }
        return status;
    }

    /**
     * @return {@code durable-stash.storage.s3.bucket}
     * @throws InvalidConfigurationPropertyValueException if it is not set
     */
    static String s3Bucket(DurableStashProperties.S3 s3) {
        String bucket = s3.getBucket();
        if (!StringUtils.hasText(bucket)) {
            throw invalid("storage.s3.bucket", bucket, "a bucket is required when durable-stash.storage.type is s3");
        }
        return bucket;
    }

    /**
     * Checks the properties of the S3 client the starter builds: max-concurrency, endpoint, region and
     * static credentials.
     *
     * @throws InvalidConfigurationPropertyValueException naming the first property whose value cannot be used
     */
    static void checkS3Client(DurableStashProperties.S3 s3) {
        if (s3.getMaxConcurrency() <= 0) {
            throw invalid("storage.s3.max-concurrency", s3.getMaxConcurrency(), "must be positive");
        }
        URI endpoint = s3.getEndpoint();
        if (endpoint != null
                && (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null)) {
            throw invalid("storage.s3.endpoint", withoutUserInfo(endpoint),
                    "must be an absolute http or https URL with a host, e.g. http://localhost:9000");
        }
        String region = s3.getRegion();
        if (region != null && region.isBlank()) {
            throw invalid("storage.s3.region", region, "region must not be blank");
        }
        boolean accessKeyId = StringUtils.hasText(s3.getAccessKeyId());
        if (accessKeyId != StringUtils.hasText(s3.getSecretAccessKey())) {
            throw invalid(accessKeyId ? "storage.s3.secret-access-key" : "storage.s3.access-key-id", "",
                    "access-key-id and secret-access-key are set together or not at all");
        }
    }

    /**
     * @return {@code endpoint} as an error may show it: without user info (where credentials may be written),
     *     query or fragment, as {@code S3StorageBackend.describe()} names a valid endpoint; for an endpoint
     *     without {@code //} ({@code localhost:9000}, {@code user:password@host}), what follows its last
     *     {@code @}
     */
    static String withoutUserInfo(URI endpoint) {
        if (endpoint.isOpaque()) {
            String rest = endpoint.getRawSchemeSpecificPart();
            return endpoint.getScheme() + ":" + rest.substring(rest.lastIndexOf('@') + 1);
        }
        String authority = endpoint.getRawAuthority();
        return (endpoint.getScheme() == null ? "" : endpoint.getScheme() + ":")
                + (authority == null ? "" : "//" + authority.substring(authority.lastIndexOf('@') + 1))
                + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
    }

    /**
     * Checks the filesystem sweeper's properties.
     *
     * @return {@code durable-stash.storage.filesystem.sweep.interval}
     * @throws InvalidConfigurationPropertyValueException if the interval is below {@code 1ms} or
     *     {@code max-files-per-run} is not positive
     */
    static Duration sweepInterval(DurableStashProperties.Sweep sweep) {
        Duration interval = sweep.getInterval();
        if (interval == null || interval.compareTo(MIN_SWEEP_INTERVAL) < 0) {
            throw invalid("storage.filesystem.sweep.interval", interval,
                    "must be at least 1ms (switch the sweeper off with "
                            + "durable-stash.storage.filesystem.sweep.enabled=false)");
        }
        if (sweep.getMaxFilesPerRun() <= 0) {
            throw invalid("storage.filesystem.sweep.max-files-per-run", sweep.getMaxFilesPerRun(), "must be positive");
        }
        return interval;
    }

    /**
     * @return the starter's filesystem backend: {@code durable-stash.storage.filesystem.directory}, with a
     *     journal when {@code journal} is on, and a pool of {@code io-threads} threads when set, else the
     *     backend's default pool
     * @throws InvalidConfigurationPropertyValueException if {@code io-threads} is set below 1, or the directory
     *     cannot be used (not created, not writable, or in use by another journal)
     */
    static FileSystemStorageBackend fileSystemBackend(DurableStashProperties.Filesystem filesystem) {
        Integer threads = filesystem.getIoThreads();
        Path directory = filesystem.getDirectory();
        if (threads != null && threads < 1) {
            throw invalid("storage.filesystem.io-threads", threads, "must be at least 1");
        }
        try {
            if (threads == null) {
                return filesystem.isJournal() ? FileSystemStorageBackend.withJournal(directory)
                        : new FileSystemStorageBackend(directory);
            }
            return filesystem.isJournal() ? FileSystemStorageBackend.withJournal(directory, threads)
                    : new FileSystemStorageBackend(directory, threads);
        } catch (StorageException e) {
            throw invalid("storage.filesystem.directory", directory, String.valueOf(e.getMessage()));
        }
    }

    static InvalidConfigurationPropertyValueException invalid(String property, @Nullable Object value, String reason) {
        return new InvalidConfigurationPropertyValueException(PREFIX + property, value, reason);
    }

    private static int toIntBytes(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be less than 2GB");
        }
        return (int) bytes;
    }

    private static void apply(@Nullable String property, Object shownValue, Runnable setter) {
        try {
            setter.run();
        } catch (IllegalArgumentException | NullPointerException e) {
            if (property == null) {
                throw new IllegalStateException("generated DurableStash secret rejected: " + e.getMessage(), e);
            }
            throw invalid(property, shownValue, String.valueOf(e.getMessage()));
        }
    }
}

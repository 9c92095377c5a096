package dev.durablestash.spring.autoconfigure;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

import dev.durablestash.spring.autoconfigure.DurableStashProperties.StoreCheck;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.s3.S3StorageBackend;
import dev.durablestash.storage.s3.S3StoreCheck;

/**
 * Runs {@link S3StorageBackend#checkStore(String, Duration)} once at startup, within
 * {@code durable-stash.operation-timeout}, on a probe object under {@code durable-stash.storage.s3.prefix}
 * ({@code store-check.RANDOM}, a name no session key can have): one INFO line says what the store does;
 * a store whose compare-and-swap cannot be trusted fails startup ({@code store-check=verify}) or logs a
 * warning ({@code warn}). A store that cannot be reached only gets a warning: outages are handled per
 * request. Does nothing for a storage backend other than {@link S3StorageBackend}.
 */
final class S3StoreCheckRunner implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(S3StoreCheckRunner.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ObjectProvider<DurableStashProperties> properties;
    private final ObjectProvider<StorageBackend> backend;

    S3StoreCheckRunner(ObjectProvider<DurableStashProperties> properties, ObjectProvider<StorageBackend> backend) {
        this.properties = properties;
        this.backend = backend;
    }

    @Override
    public void afterSingletonsInstantiated() {
        DurableStashProperties settings = properties.getObject();
        StoreCheck mode = settings.getStorage().getS3().getStoreCheck();
        if (mode == StoreCheck.OFF || !(backend.getIfUnique() instanceof S3StorageBackend s3)) {
            return;
        }
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        String probeKey = settings.getStorage().getS3().getPrefix() + "store-check." + HexFormat.of().formatHex(id);
        S3StoreCheck check;
        try {
            check = s3.checkStore(probeKey, SettingsMapping.operationTimeout(settings));
        } catch (StorageException e) {
            log.warn("DurableStash could not check the compare-and-swap of {} ({}); it is checked again at the next "
                    + "start. Until then If-Match's form is learned from the store's answers and conditional deletes "
                    + "are emulated", s3.describe(), e.getMessage());
            return;
        }
        if (check.safe()) {
            log.info("DurableStash {}", check.summary());
            return;
        }
        String problem = "DurableStash " + check.summary() + ". This store's compare-and-swap cannot be trusted: "
                + String.join("; ", check.problems()) + ". A store that ignores a precondition lets several app "
                + "instances sharing it lose acknowledged writes; one that refuses a precondition or answers without "
                + "an ETag fails writes even for one instance. If the store only ignores preconditions and this is "
                + "the only instance writing under durable-stash.storage.s3.prefix, set "
                + "durable-stash.storage.s3.store-check=warn to start anyway";
        if (mode == StoreCheck.WARN) {
            log.warn(problem);
            return;
        }
        throw new IllegalStateException(problem);
    }
}

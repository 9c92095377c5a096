package dev.durablestash.storage.s3;

import java.util.List;

/**
 * What {@link S3StorageBackend#checkStore(String, java.time.Duration)} found out about a store's
 * compare-and-swap: immutable, thread-safe.
 *
 * @param description the backend's description (bucket and endpoint)
 * @param findings what the store does, one short phrase each, in the order checked
 * @param problems what makes compare-and-swap unsafe on this store (empty when it is safe); each says
 *     what the store did
 */
public record S3StoreCheck(String description, List<String> findings, List<String> problems) {

    public S3StoreCheck {
        findings = List.copyOf(findings);
        problems = List.copyOf(problems);
    }

    /** @return whether several instances can share the store without losing writes */
    public boolean safe() {
        return problems.isEmpty();
    }

    /** @return one line: the store, then every finding */
    public String summary() {
        return "S3 store check of " + description + ": " + String.join("; ", findings);
    }
}

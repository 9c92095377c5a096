package dev.durablestash.storage.s3;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class against a {@link CephRgw} gateway: one cluster for the whole test run, started
 * before the first such class and stopped when the run ends. Skipped, with one line saying why, when
 * the Ceph binaries are not installed; a cluster that fails to start with the binaries present fails
 * the tests.
 */
final class CephRgwExtension implements ExecutionCondition, BeforeAllCallback {

    /** Marks a test class that needs the gateway: {@link CephRgwExtension#rgw()} is running in it. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @ExtendWith(CephRgwExtension.class)
    @Tag("ceph")
    @interface CephRgwTest {
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CephRgwExtension.class);

    private static volatile CephRgw running;
    private static final AtomicBoolean toldSkipped = new AtomicBoolean();

    /** @return the running gateway; only inside a {@link CephRgwTest} class */
    static CephRgw rgw() {
        CephRgw rgw = running;
        if (rgw == null) {
            throw new IllegalStateException("no Ceph gateway: the test class is not annotated @CephRgwTest");
        }
        return rgw;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (CephRgw.binariesPresent()) {
            return ConditionEvaluationResult.enabled("Ceph binaries found");
        }
        String reason = "Ceph RGW tests skipped: " + String.join(", ", CephRgw.BINARIES)
                + " not all on the PATH (Debian: apt-get install ceph-mon ceph-osd radosgw ceph-common)";
        if (!toldSkipped.getAndSet(true)) {
            System.out.println(reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        running = context.getRoot().getStore(NAMESPACE).computeIfAbsent(CephRgw.class, type -> {
            long started = System.nanoTime();
            CephRgw rgw = CephRgw.start();
            System.out.printf("Ceph RGW (one node, memstore) started at %s in %d ms%n", rgw.endpoint(),
                    (System.nanoTime() - started) / 1_000_000);
            return rgw;
        }, CephRgw.class);
    }
}

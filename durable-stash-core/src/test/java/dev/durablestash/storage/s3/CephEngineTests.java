package dev.durablestash.storage.s3;

import dev.durablestash.storage.s3.CephRgwExtension.CephRgwTest;

/**
 * The engine on a Ceph RADOS Gateway ({@link S3StoreEngineTests}), with the backend's defaults: several
 * instances on one bucket lose nothing, and expiry deletes the document. Fewer stashes per writer than
 * on the in-process server, to keep the run short; the contention is the same.
 */
@CephRgwTest
class CephEngineTests extends S3StoreEngineTests {

    @Override
    protected S3TestStore store() {
        return CephRgwExtension.rgw();
    }

    @Override
    protected int stashesPerWriter() {
        return 50;
    }
}

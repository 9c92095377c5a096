package dev.durablestash.sample.counter;

/** The shared storage-outage-under-load suite ({@link CounterStorageOutageUnderLoadSuite}) against the WebFlux sample. */
@SampleUnderTest(CounterWebFluxApplication.class)
class CounterStorageOutageUnderLoadTest extends CounterStorageOutageUnderLoadSuite {
}

package dev.durablestash.sample.counter;

/** The shared stalled-store suite ({@link CounterStorageOutageEndToEndSuite}) against the WebFlux sample. */
@SampleUnderTest(CounterWebFluxApplication.class)
class CounterStorageOutageEndToEndTest extends CounterStorageOutageEndToEndSuite {
}

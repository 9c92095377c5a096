package dev.durablestash.sample.counter;

/** The shared HTTP end-to-end suite ({@link CounterHttpEndToEndSuite}) against the WebFlux sample. */
@SampleUnderTest(CounterWebFluxApplication.class)
class CounterHttpEndToEndTest extends CounterHttpEndToEndSuite {
}

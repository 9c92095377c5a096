package dev.durablestash.sample.counter;

/** The shared real-browser suite ({@link CounterBrowserEndToEndSuite}) against the WebFlux sample. */
@SampleUnderTest(CounterWebFluxApplication.class)
class CounterBrowserEndToEndTest extends CounterBrowserEndToEndSuite {
}

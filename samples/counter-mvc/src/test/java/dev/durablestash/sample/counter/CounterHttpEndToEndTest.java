package dev.durablestash.sample.counter;

/** The shared HTTP end-to-end suite ({@link CounterHttpEndToEndSuite}) against the Spring MVC sample. */
@SampleUnderTest(CounterMvcApplication.class)
class CounterHttpEndToEndTest extends CounterHttpEndToEndSuite {
}

package dev.durablestash.sample.counter;

/** The shared stalled-store suite ({@link CounterStorageOutageEndToEndSuite}) against the Spring MVC sample. */
@SampleUnderTest(CounterMvcApplication.class)
class CounterStorageOutageEndToEndTest extends CounterStorageOutageEndToEndSuite {
}

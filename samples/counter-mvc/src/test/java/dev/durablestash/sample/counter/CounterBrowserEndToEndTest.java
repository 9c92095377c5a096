package dev.durablestash.sample.counter;

/** The shared real-browser suite ({@link CounterBrowserEndToEndSuite}) against the Spring MVC sample. */
@SampleUnderTest(CounterMvcApplication.class)
class CounterBrowserEndToEndTest extends CounterBrowserEndToEndSuite {
}

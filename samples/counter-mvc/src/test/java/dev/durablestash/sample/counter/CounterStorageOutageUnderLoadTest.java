package dev.durablestash.sample.counter;

/** The shared storage-outage-under-load suite ({@link CounterStorageOutageUnderLoadSuite}) against the Spring MVC sample. */
@SampleUnderTest(CounterMvcApplication.class)
class CounterStorageOutageUnderLoadTest extends CounterStorageOutageUnderLoadSuite {
}

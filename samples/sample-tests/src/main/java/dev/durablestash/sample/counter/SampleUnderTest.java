package dev.durablestash.sample.counter;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the application class a concrete end-to-end test class runs a shared suite against, e.g.
 * {@code @SampleUnderTest(CounterMvcApplication.class) class CounterHttpEndToEndTest extends
 * CounterHttpEndToEndSuite {}}. The suites read it in their {@code @BeforeAll} with
 * {@link SampleApp#applicationOf(Class)}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@interface SampleUnderTest {

    /** @return the {@code @SpringBootApplication} class of the sample */
    Class<?> value();
}

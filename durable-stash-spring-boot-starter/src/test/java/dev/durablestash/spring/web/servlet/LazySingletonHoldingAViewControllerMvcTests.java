package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.servlet.lazyviewholder.LazyViewHolderApplication;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Under {@code spring.main.lazy-initialization} a singleton that has a view controller injected is first made
 * inside a request, where the view controller can be made: the singleton then fails at that first creation,
 * instead of holding one instance for every browser.
 */
@SpringBootTest(classes = LazyViewHolderApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "durable-stash.storage.type=memory", "spring.main.lazy-initialization=true" })
class LazySingletonHoldingAViewControllerMvcTests {

    /** The failures these tests provoke on purpose, each asserted by the test that provokes it. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    @LocalServerPort
    int port;

    @Test
    void theSingletonFailsWhenFirstMadeInARequestOfAnotherHandlerAndIsNeverSharedByTwoBrowsers() {
        logs.expect(Level.ERROR, "Request processing failed");
        for (int i = 0; i < 2; i++) {
            assertThat(new Browser(port).get("/report").statusCode()).as("browser " + i).isEqualTo(500);
        }
    }

    @Test
    void theSingletonFailsWhenFirstMadeInARequestOfTheViewControllerItselfAndAgainAtEveryLaterTry() {
        logs.expect(Level.ERROR, "Request processing failed");
        Browser browser = new Browser(port);
        assertThat(browser.post("/count/reported", "").statusCode()).isEqualTo(500);
        assertThat(new Browser(port).post("/count/reported", "").statusCode()).isEqualTo(500);
        assertThat(new Browser(port).get("/report").statusCode()).isEqualTo(500);
        assertThat(browser.post("/count", "").body()).isEqualTo("1");
    }
}

package dev.durablestash.spring.web.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.servlet.viewlookups.ViewLookupsApplication;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Only Spring MVC makes a view controller, as the handler of a request: one injected into another view
 * controller, or looked up through an {@code ObjectProvider} in a request that another controller handles,
 * would be an instance that is never recovered nor stashed. Such a request fails, and stores nothing,
 * instead of answering 200 for a change that is dropped.
 */
@SpringBootTest(classes = ViewLookupsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "durable-stash.storage.type=memory" })
class ViewControllerLookupsMvcIntegrationTests {

    /** The failures these tests provoke on purpose, each asserted by the test that provokes it. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.apache.catalina.core");

    static final String[] REJOIN = { Browser.REJOIN, "1" };

    @LocalServerPort
    int port;

    @Test
    void theViewControllersOwnHandlersRecoverAndStoreItsFields() {
        Browser browser = new Browser(port);
        assertThat(browser.post("/profile/theme", "theme=light").statusCode()).isEqualTo(200);
        assertThat(browser.get("/profile/theme", REJOIN).body()).isEqualTo("theme=light");
    }

    @Test
    void aViewControllerInjectedIntoAnotherViewControllerFailsItsRequestsInsteadOfDroppingTheirChanges() {
        logs.expect(Level.ERROR, "Request processing failed");
        Browser browser = new Browser(port);
        browser.post("/profile/theme", "theme=light");
        assertThat(browser.get("/dashboard/theme", REJOIN).statusCode()).isEqualTo(500);
        assertThat(browser.post("/dashboard/theme", "theme=dark", REJOIN).statusCode()).isEqualTo(500);
        assertThat(browser.get("/profile/theme", REJOIN).body()).isEqualTo("theme=light");
    }

    @Test
    void aViewControllerLookedUpInARequestThatAnotherControllerHandlesFailsItInsteadOfDroppingTheChange() {
        logs.expect(Level.ERROR, "Request processing failed");
        Browser browser = new Browser(port);
        browser.post("/profile/theme", "theme=light");
        assertThat(browser.post("/settings/theme", "theme=dark", REJOIN).statusCode()).isEqualTo(500);
        assertThat(browser.get("/profile/theme", REJOIN).body()).isEqualTo("theme=light");
    }
}

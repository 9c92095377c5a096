package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.web.reactive.viewlookups.FluxViewLookupsApplication;
import dev.durablestash.testsupport.ExpectedLogs;

/**
 * Only WebFlux makes a view controller, as the handler of an exchange: one injected into another bean, a view
 * controller or (first made in an exchange under {@code spring.main.lazy-initialization}) a singleton, would be
 * an instance that is never recovered nor stashed. The bean fails at that creation, and the exchange with it.
 */
@SpringBootTest(classes = FluxViewLookupsApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
                "spring.main.lazy-initialization=true" })
class ViewControllerInjectionWebFluxTests {

    /** The failures these tests provoke on purpose, each asserted by the test that provokes it. */
    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.boot.webflux.autoconfigure.error");

    @LocalServerPort
    int port;

    @Test
    void theViewControllersOwnHandlersRecoverAndStoreItsFields() {
        Browser browser = new Browser(port);
        assertThat(browser.post("/profile/theme?theme=light").status()).isEqualTo(200);
        assertThat(browser.get("/profile/theme").body()).isEqualTo("theme=light");
    }

    @Test
    void aViewControllerInjectedIntoAnotherViewControllerFailsItsExchangesInsteadOfDroppingTheirChanges() {
        logs.expect(Level.ERROR, "500 Server Error");
        Browser browser = new Browser(port);
        browser.post("/profile/theme?theme=light");
        assertThat(browser.post("/dashboard/theme?theme=dark").status()).isEqualTo(500);
        assertThat(browser.get("/profile/theme").body()).isEqualTo("theme=light");
    }

    @Test
    void aLazySingletonHoldingAViewControllerFailsAtItsFirstCreationAndIsNeverSharedByTwoBrowsers() {
        logs.expect(Level.ERROR, "500 Server Error");
        Browser first = new Browser(port);
        assertThat(first.post("/report/theme?theme=dark").status()).isEqualTo(500);
        Browser second = new Browser(port);
        assertThat(second.post("/report/theme?theme=light").status()).isEqualTo(500);
    }
}

package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testing.InMemoryStorageBackend.Operation;

/**
 * On WebFlux as on Spring MVC, an exchange that makes a new browser session recovers its views, also those
 * of a functional route, without reading storage: nothing can be stored under a sid no one but the
 * exchange knows. The next request, with the cookie, reads.
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.max-value-size=1KB" })
class NewBrowserSessionReadsWebFluxTests extends FluxAppTestSupport {

    @Test
    void aNewBrowsersFirstPageReadsNothingFromStorage() {
        storage.resetCounters();

        EntityExchangeResult<String> first = browser.get("/counter");

        assertThat(first.getResponseBody()).isEqualTo("count=0;draft=null");
        assertThat(first.getResponseCookies().getFirst("sid")).as("the new browser session's cookie").isNotNull();
        assertThat(storage.count(Operation.GET)).as("GETs of the first page").isZero();
        assertThat(storage.count(Operation.PUT)).as("PUTs of the first page").isZero();

        assertThat(browser.get("/counter", REJOIN).getResponseBody()).isEqualTo("count=0;draft=null");
        assertThat(storage.count(Operation.GET)).as("the next request, with the cookie, reads storage").isEqualTo(1);
    }

    @Test
    void aFunctionalRoutesFirstPageReadsNothingFromStorage() {
        storage.resetCounters();

        browser.get("/tally");

        assertThat(storage.count(Operation.GET)).as("GETs of the first page").isZero();
    }

    @Test
    void aNewBrowsersFirstChangeIsStoredWithoutAReadBeforeIt() {
        storage.resetCounters();

        assertThat(browser.post("/counter/increment-body", "").getResponseBody()).isEqualTo("1");

        assertThat(storage.count(Operation.GET)).as("GETs").isZero();
        assertThat(storage.count(Operation.PUT)).as("PUTs: a create").isEqualTo(1);

        assertThat(browser.get("/counter", REJOIN).getResponseBody()).isEqualTo("count=1;draft=null");
    }
}

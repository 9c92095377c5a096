package dev.durablestash.spring.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * BrowserSession's contract: a sid cookie bound to one principal is never used by a request acting
 * for another. The logout handler ends the session the request's cookie names without asking whom it
 * is bound to, so a logged-in user who sends another user's sid cookie with his logout (one he saw or
 * copied: he cannot read that state, the binding refuses it) deletes that user's state.
 */
@SpringBootTest(classes = SecureTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LogoutLeavesASessionOfAnotherPrincipalAloneTests {

    @LocalServerPort
    int port;

    @Autowired
    InMemoryStorageBackend storage;

    @BeforeEach
    void setUp() {
        storage.clear();
    }

    /** Shows that bob's logout with ada's sid cookie removes ada's state, which his reads never reach. */
    @Test
    void aLogoutOfBobWithAdasSidCookieLeavesAdasStateInPlace() throws Exception {
        WebBrowser ada = new WebBrowser(port);
        assertThat(ada.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        ada.post("/notes", "note=ada's secret");
        String adasSid = ada.sid();
        assertThat(adasSid).isNotNull();

        WebBrowser bob = new WebBrowser(port);
        assertThat(bob.post("/login", "username=bob&password=bob-pw").statusCode()).isEqualTo(302);
        bob.plant(adasSid);
        assertThat(bob.copy().get("/notes").body()).as("the binding keeps ada's state from bob")
                .isEqualTo("note=null");
        bob.plant(adasSid);

        assertThat(bob.post("/logout", "").statusCode()).isEqualTo(302);

        assertThat(ada.get("/notes").body()).as("ada's state after bob's logout with her sid cookie")
                .isEqualTo("note=ada's secret");
    }
}

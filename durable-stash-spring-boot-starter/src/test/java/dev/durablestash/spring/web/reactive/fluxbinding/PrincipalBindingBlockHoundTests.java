package dev.durablestash.spring.web.reactive.fluxbinding;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.durablestash.spring.web.reactive.StrictBlockHound;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Binding the browser session to its principal blocks no event-loop thread: the principal read from
 * Spring Security's Reactor context, the implicit rotation at an HTTP Basic request, the login handler,
 * cookie tossing and the logout (filesystem storage). Runs in the BlockHound fork, as
 * {@code EventLoopBlockHoundTests} does.
 */
@SpringBootTest(classes = FluxBindingTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=filesystem",
        "durable-stash.cookie.max-age=PT1H" })
@ExtendWith(StrictBlockHound.class)
class PrincipalBindingBlockHoundTests {

    @TempDir
    static Path storage;

    @DynamicPropertySource
    static void storageDirectory(DynamicPropertyRegistry registry) {
        registry.add("durable-stash.storage.filesystem.directory", storage::toString);
    }

    @LocalServerPort
    int port;

    @Test
    void rotatingAdoptingAndReplacingBoundSessionsNeverBlockAnEventLoopThread() {
        Browser attacker = new Browser(port);
        assertThat(attacker.post("/notes?note=attacker").body()).isEqualTo("saved");
        Browser ada = attacker.copy();
        ada.basic("ada", "ada-pw");
        assertThat(ada.post("/notes?note=ada-secret").body()).as("rotated at HTTP Basic").isEqualTo("saved");
        ada.tossed = "sid=" + attacker.cookies.get("sid");
        assertThat(ada.get("/notes").body()).as("with a tossed cookie").isEqualTo("note=ada-secret");
        assertThat(attacker.get("/notes").body()).isEqualTo("note=null");

        Browser form = new Browser(port);
        form.post("/notes?note=typed");
        form.login("bob", "bob-pw");
        assertThat(form.get("/notes").body()).as("rotated at the form login").isEqualTo("note=typed");
        form.cookies.remove("SESSION");
        assertThat(form.get("/notes").body()).as("bob's cookie, anonymous").isEqualTo("note=null");
        form.login("bob", "bob-pw");
        assertThat(form.post("/logout").status()).isEqualTo(302);
    }
}

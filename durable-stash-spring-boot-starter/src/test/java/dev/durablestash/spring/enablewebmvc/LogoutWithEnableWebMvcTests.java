package dev.durablestash.spring.enablewebmvc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.durablestash.spring.testsupport.WebBrowser;
import dev.durablestash.testing.InMemoryStorageBackend;

/**
 * docs/spring.md, "Session fixation and Spring Security": with Spring Security the starter ends the
 * browser session at logout (state removed, cookie cleared). Its listeners find the request through
 * {@code RequestContextHolder}, which only Spring Boot's MVC auto-configuration's request context filter
 * fills before Spring Security's filter chain runs. An app with {@code @EnableWebMvc} has no such filter:
 * the logout listener finds no request and does nothing, without a word at INFO or WARN. Ada's state
 * stays in storage and her cookie in the browser; when she (or anyone holding her password) logs in on
 * that browser again, her "logged out" state is back.
 */
@SpringBootTest(classes = EnableWebMvcSecureApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class LogoutWithEnableWebMvcTests {

    @LocalServerPort
    int port;

    @Autowired
    InMemoryStorageBackend storage;

    @Test
    void logoutEndsTheBrowserSessionAlsoInAnAppThatConfiguresMvcItself() throws Exception {
        WebBrowser browser = new WebBrowser(port);
        assertThat(browser.post("/login", "username=ada&password=ada-pw").statusCode()).isEqualTo(302);
        browser.post("/notes", "note=ada's secret");
        assertThat(storage.keys()).hasSize(1);

        HttpResponse<String> logout = browser.post("/logout", "");

        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(logout.headers().allValues("Set-Cookie")).as("the sid cookie cleared at logout")
                .anySatisfy((c) -> assertThat(c).startsWith("sid=;"));
        assertThat(storage.keys()).as("the browser session's state removed at logout").isEmpty();
    }
}

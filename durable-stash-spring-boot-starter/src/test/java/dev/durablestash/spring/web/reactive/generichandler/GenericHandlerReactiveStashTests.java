package dev.durablestash.spring.web.reactive.generichandler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generic base controller whose handlers take the view class as a type variable, with a {@code ReactiveStash}:
 * the handle refers to the view the subclass makes {@code V} (the WebFlux side of the servlet package's
 * {@code GenericHandlerViewArgumentTests}).
 */
@SpringBootTest(classes = GenericHandlerReactiveStashTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class GenericHandlerReactiveStashTests {

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    String sid;

    @Test
    void aViewTakenThroughTheBaseClassesTypeVariableWithAReactiveStashWorks() throws Exception {
        assertThat(send("POST", "/wizard/next").body()).isEqualTo("step=1 view=Wizard");
        assertThat(send("GET", "/wizard").body()).isEqualTo("step=1 view=Wizard");
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (sid != null) {
            b.header("Cookie", "sid=" + sid);
        }
        HttpResponse<String> response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        for (String value : response.headers().allValues("Set-Cookie")) {
            if (value.startsWith("sid=")) {
                int end = value.indexOf(';');
                sid = value.substring(4, end < 0 ? value.length() : end);
            }
        }
        return response;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
    @Import(WizardController.class)
    static class App {
    }

    public interface Steps {
        int next();

        int step();
    }

    public static class Wizard implements Steps {
        @Stashed int step;

        @Override
        public int next() {
            return ++step;
        }

        @Override
        public int step() {
            return step;
        }
    }

    public abstract static class StepsController<V extends Steps> {
        @GetMapping
        String show(V view, ReactiveStash stash) {
            return "step=" + view.step() + " view=" + stash.view();
        }

        @PostMapping("/next")
        String next(V view, ReactiveStash stash) {
            view.next();
            return "step=" + view.step() + " view=" + stash.view();
        }
    }

    @RestController
    @RequestMapping("/wizard")
    static class WizardController extends StepsController<Wizard> {
    }
}

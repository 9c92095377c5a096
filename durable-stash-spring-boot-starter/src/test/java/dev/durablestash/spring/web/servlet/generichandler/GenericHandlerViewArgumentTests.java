package dev.durablestash.spring.web.servlet.generichandler;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A generic base controller whose handlers take the view class as a type variable (a CRUD or form base class):
 * Spring MVC resolves {@code V} to the subclass's type argument, so the view is recovered and stashed; the
 * starter's {@code Stash} and its scan for unused view classes resolve it the same way.
 */
@SpringBootTest(classes = GenericHandlerViewArgumentTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "durable-stash.storage.type=memory")
class GenericHandlerViewArgumentTests {

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    String sid;

    @Test
    void withoutAStashTheViewTakenThroughTheTypeVariableIsRecoveredAndStashed() throws Exception {
        assertThat(send("POST", "/gizmo/next").body()).isEqualTo("step=1");
        assertThat(send("POST", "/gizmo/next").body()).isEqualTo("step=2");
        assertThat(send("GET", "/gizmo").body()).isEqualTo("step=2");
    }

    @Test
    void aViewTakenThroughTheBaseClassesTypeVariableWithAStashIsRecoveredAndStashed() throws Exception {
        assertThat(send("POST", "/wizard/next").body()).isEqualTo("step=1 view=Wizard");
        assertThat(send("POST", "/wizard/next").body()).isEqualTo("step=2 view=Wizard");
        assertThat(send("GET", "/wizard").body()).isEqualTo("step=2 view=Wizard");
    }

    @Test
    void inATestSliceWithoutTheControllerBeansTheViewsTheyTakeThroughTheTypeVariablePassTheScan() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                        DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                        WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.type=memory")
                .withInitializer((context) -> AutoConfigurationPackages.register(
                        (BeanDefinitionRegistry) context.getBeanFactory(), getClass().getPackageName()))
                .run((context) -> assertThat(context).hasNotFailed());
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
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration" })
    @Import({ WizardController.class, GizmoController.class })
    static class App {
    }

    public interface Steps {
        int next();

        int step();
    }

    /** The per-browser state of a wizard: a plain view class. */
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

    /** A reusable base: its handlers take the subclass's state class through V. */
    public abstract static class StepsController<V extends Steps> {

        @GetMapping
        String show(V view, Stash stash) {
            return "step=" + view.step() + " view=" + stash.view();
        }

        @PostMapping("/next")
        String next(V view, Stash stash) {
            view.next();
            return "step=" + view.step() + " view=" + stash.view();
        }
    }

    public static class Gizmo implements Steps {
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

    public abstract static class PlainStepsController<V extends Steps> {

        @GetMapping
        String show(V view) {
            return "step=" + view.step();
        }

        @PostMapping("/next")
        String next(V view) {
            view.next();
            return "step=" + view.step();
        }
    }

    @RestController
    @RequestMapping("/gizmo")
    static class GizmoController extends PlainStepsController<Gizmo> {
    }

    @RestController
    @RequestMapping("/wizard")
    static class WizardController extends StepsController<Wizard> {
    }
}

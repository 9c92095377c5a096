package dev.durablestash.spring.web.servlet.visitorinput;

import java.util.LinkedHashMap;
import java.util.Map;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * A value a visitor makes unstorable (a map key with half of a surrogate pair, which JSON request bodies
 * carry and Jackson's reader refuses in a stored property name) is refused like any value that cannot be
 * stored: 500 through the starter's resolver (not the application's catch-all handler), one ERROR line
 * per request, no stack trace.
 */
class UnstorableVisitorInputTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.web");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    JacksonAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aMapKeyWithALoneSurrogateIsRefusedWithA500AndOneLinePerRequest() {
        logs.expect(Level.ERROR, "Cannot stash key 'tags' of view 'TagsController' for POST /tags");
        contextRunner.withUserConfiguration(TagsController.class, CatchAll.class).run((context) -> {
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(context.getBean(SidFilter.class))
                    .build();
            for (int i = 0; i < 2; i++) {
                MvcResult result = mvc.perform(post("/tags").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"name\":\"\\ud800\"}")).andReturn();
                assertThat(result.getResponse().getStatus()).as("request %d", i).isEqualTo(500);
            }
        });
        assertThat(logs.events(Level.ERROR)).hasSize(2).allSatisfy(event -> {
            assertThat(event.getFormattedMessage()).contains("cannot be represented as JSON");
            assertThat(event.getThrowableProxy()).as("no stack trace").isNull();
        });
    }

    @RestController
    static class TagsController {

        @Stashed Map<String, Integer> tags = new LinkedHashMap<>();

        @PostMapping("/tags")
        String add(@RequestBody Map<String, String> body) {
            tags.merge(body.get("name"), 1, Integer::sum);
            return "ok";
        }
    }

    /** An application's catch-all handler, which must not turn the refusal into a success. */
    @RestControllerAdvice
    static class CatchAll {

        @ExceptionHandler(Exception.class)
        String caught(Exception e) {
            return "caught " + e.getClass().getSimpleName();
        }
    }
}

package dev.durablestash.spring.web.servlet;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.Cookie;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * A controller whose {@code @Stashed} fields are declared on a generic superclass with the
 * superclass's type variable as (part of) their type: the next request recovers them as the type
 * argument the controller gives, not as the maps the JSON is read as without it.
 */
class GenericStashedFieldMvcTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    JacksonAutoConfiguration.class, WebMvcAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void fieldsTypedByTheSuperclassesTypeVariableAreRecoveredAsTheControllersTypeArgument() {
        contextRunner.withUserConfiguration(PersonController.class).run((context) -> {
            assertThat(context).hasNotFailed();
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(context.getBean(SidFilter.class))
                    .build();
            MockHttpServletResponse set = mvc.perform(post("/person")).andReturn().getResponse();
            assertThat(set.getStatus()).isEqualTo(200);
            Cookie sid = set.getCookie("sid");
            assertThat(sid).isNotNull();

            MockHttpServletResponse got = mvc.perform(get("/person").cookie(sid)).andReturn().getResponse();
            assertThat(got.getStatus()).isEqualTo(200);
            assertThat(got.getContentAsString()).isEqualTo("ada/bob");
        });
    }

    public record Person(String name) {
    }

    public static class Base<T> {
        @Stashed T value;
        @Stashed List<T> values = new ArrayList<>();
    }

    @RestController
    public static class PersonController extends Base<Person> {

        @PostMapping("/person")
        String set() {
            value = new Person("ada");
            values.add(new Person("bob"));
            return "set";
        }

        @GetMapping("/person")
        String show() {
            Person person = value; // a LinkedHashMap here throws ClassCastException
            Person first = values.get(0);
            return person.name() + "/" + first.name();
        }
    }
}

package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.jackson.JacksonComponentModule;

import tools.jackson.databind.json.JsonMapper;

/** {@link JacksonOwnCode} with Spring Boot's {@link JacksonComponentModule}, which Boot applications always have. */
class JacksonOwnCodeWithBootModuleTests {

    private static JsonMapper withComponents(Object... components) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        for (int i = 0; i < components.length; i++) {
            beans.registerSingleton("component" + i, components[i]);
        }
        JacksonComponentModule module = new JacksonComponentModule();
        module.setBeanFactory(beans);
        module.registerJacksonComponents();
        return StashJson.forValues(JsonMapper.builder().addModule(module).build());
    }

    @Test
    void aJacksonComponentModuleWithoutComponentsKeepsTheFastPaths() {
        JsonMapper mapper = withComponents();
        assertThat(ScalarValues.of(mapper).write("x")).as("ScalarValues on").isNotNull();
        assertThat(ScalarValues.of(mapper).write(7L)).as("ScalarValues on").isNotNull();
        assertThat(ScalarTrees.of(mapper).tree("7".getBytes())).as("ScalarTrees on").isNotNull();
    }
}

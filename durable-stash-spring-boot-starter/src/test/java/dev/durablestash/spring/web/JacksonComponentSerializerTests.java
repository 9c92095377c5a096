package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.jackson.JacksonComponent;
import org.springframework.boot.jackson.JacksonComponentModule;

import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ValueJson;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;

/** An application's @JacksonComponent serializer, registered through Spring Boot's module, must write stashed values. */
class JacksonComponentSerializerTests {

    @JacksonComponent
    static final class MaskingStrings extends ValueSerializer<String> {
        @Override
        public void serialize(String value, JsonGenerator gen, SerializationContext ctxt) {
            gen.writeString(value.matches("\\d{16}") ? "****" : value);
        }

        @Override
        public Class<?> handledType() {
            return String.class;
        }
    }

    @Test
    void aJacksonComponentSerializerStillWritesStashedStrings() {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("maskingStrings", new MaskingStrings());
        JacksonComponentModule module = new JacksonComponentModule();
        module.setBeanFactory(beans);
        module.registerJacksonComponents();
        JsonMapper mapper = JsonMapper.builder().addModule(module).build();
        assertThat(new String(mapper.writeValueAsBytes("4111111111111111"))).isEqualTo("\"****\"");
        ValueJson json = ValueJson.of(StashSettings.builder().secret("x".repeat(32)).jsonMapper(mapper).build());
        assertThat(new String(json.write("4111111111111111"))).as("what a stash stores").isEqualTo("\"****\"");
    }
}

package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamFactory;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonGeneratorDecorator;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.BeanDeserializerFactory;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.deser.std.StdDeserializer;
import tools.jackson.databind.json.JsonMapper;

/** The mapper-free writing and reading of simple values: cases where it departs from the mapper. */
class ScalarValuesMapperParityTests {

    private static final String SECRET = "x".repeat(32);

    /** A generator decorator (a factory setting, not a module or mix-in) that masks card numbers. */
    static final class Masking implements JsonGeneratorDecorator {
        @Override
        public JsonGenerator decorate(TokenStreamFactory factory, JsonGenerator generator) {
            return new JsonGeneratorDelegate(generator) {
                @Override
                public JsonGenerator writeString(String text) {
                    return super.writeString(text.matches("\\d{16}") ? "****" : text);
                }
            };
        }
    }

    @Test
    void aGeneratorDecoratorOfTheMapperStillWritesStashedStrings() {
        JsonMapper masking = JsonMapper.builder(JsonFactory.builder().addDecorator(new Masking()).build()).build();
        assertThat(new String(masking.writeValueAsBytes("4111111111111111"))).isEqualTo("\"****\"");
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(masking).build());
        assertThat(new String(codec.json("4111111111111111"))).as("what a stash stores").isEqualTo("\"****\"");
    }

    @Test
    void aDocumentLengthLimitStillRefusesALongStoredString() {
        JsonMapper limited = JsonMapper.builder(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxDocumentLength(200).build()).build()).build();
        JsonNode node = StashJson.DOCUMENTS.valueToTree("x".repeat(1000)); // as a stored document holds it
        byte[] json = limited.writeValueAsBytes(node);
        assertThatThrownBy(() -> limited.readerFor(String.class).readValue(json)).as("the mapper refuses it")
                .isInstanceOf(StreamConstraintsException.class);
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(limited).build());
        assertThatThrownBy(() -> codec.decode(node, String.class)).as("a recover must refuse it too")
                .isInstanceOf(StreamConstraintsException.class);
    }

    /** A deserializer modifier set through the builder's deserializer factory (not a module) that caps strings. */
    static final class Capping extends ValueDeserializerModifier {
        @Override
        public ValueDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription.Supplier beanDesc,
                ValueDeserializer<?> deserializer) {
            if (beanDesc.getBeanClass() != String.class) {
                return deserializer;
            }
            return new StdDeserializer<String>(String.class) {
                @Override
                public String deserialize(JsonParser p, DeserializationContext ctxt) {
                    String s = p.getString();
                    return s.length() > 100 ? s.substring(0, 100) : s;
                }
            };
        }
    }

    @Test
    void aDeserializerModifierOfTheMapperStillReadsRecoveredStrings() {
        JsonMapper capping = JsonMapper.builder()
                .deserializerFactory(BeanDeserializerFactory.instance.withDeserializerModifier(new Capping())).build();
        JsonNode node = StashJson.DOCUMENTS.valueToTree("y".repeat(150));
        assertThat(capping.readerFor(String.class).<String>readValue(capping.writeValueAsBytes(node))).hasSize(100);
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(capping).build());
        assertThat((String) codec.decode(node, String.class)).as("what a recover returns").hasSize(100);
    }
}

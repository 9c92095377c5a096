package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.util.StdConverter;

/**
 * {@link JacksonOwnCode}: customisations of the mapper whose code is not on the stack when
 * the watched generator or parser is called, so the mapper-free paths stay on and depart from it.
 */
class JacksonOwnCodeCustomisationTests {

    private static final String SECRET = "x".repeat(32);
    private static final String CARD = "4111111111111111";

    /** Masks card numbers: runs before Jackson's own serializer writes what it returns. */
    static final class MaskCards extends StdConverter<String, String> {
        @Override
        public String convert(String value) {
            return value.matches("\\d{16}") ? "****" : value;
        }
    }

    /** Drops a legacy prefix from what is read: runs after Jackson's own deserializer read the string. */
    static final class DropLegacyPrefix extends StdConverter<String, String> {
        @Override
        public String convert(String value) {
            return value.startsWith("v1:") ? value.substring(3) : value;
        }
    }

    /** An application's introspector choosing converters for String (no module, no mix-in). */
    static final class Converting extends JacksonAnnotationIntrospector {
        @Override
        public Object findSerializationConverter(MapperConfig<?> config, Annotated a) {
            return a.getRawType() == String.class ? new MaskCards() : super.findSerializationConverter(config, a);
        }

        @Override
        public Object findDeserializationConverter(MapperConfig<?> config, Annotated a) {
            return a.getRawType() == String.class ? new DropLegacyPrefix() : super.findDeserializationConverter(config, a);
        }
    }

    @Test
    void aSerializationConverterChosenByAnIntrospectorStillWritesStashedStrings() {
        JsonMapper masking = JsonMapper.builder().annotationIntrospector(new Converting()).build();
        assertThat(new String(masking.writeValueAsBytes(CARD))).as("the mapper masks it").isEqualTo("\"****\"");
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(masking).build());
        assertThat(new String(codec.json(CARD))).as("what a stash stores").isEqualTo("\"****\"");
    }

    @Test
    void aDeserializationConverterChosenByAnIntrospectorStillReadsRecoveredStrings() {
        JsonMapper converting = JsonMapper.builder().annotationIntrospector(new Converting()).build();
        assertThat(converting.readerFor(String.class).<String>readValue("\"v1:name\"")).as("the mapper converts it")
                .isEqualTo("name");
        JsonNode node = StashJson.DOCUMENTS.valueToTree("v1:name"); // as a stored document holds it
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(converting).build());
        assertThat(codec.decode(node, String.class)).as("what a recover returns").isEqualTo("name");
    }

    /** The converters run before (after) Jackson's own code calls the generator (parser): the watch sees nothing foreign. */
    @Test
    void theWatchSeesAConverterChosenByAnIntrospector() {
        JsonMapper converting = JsonMapper.builder().annotationIntrospector(new Converting()).build();
        assertThat(JacksonOwnCode.writes(converting, "x")).as("writes with Jackson's own code alone").isFalse();
    }

    @Test
    void aDefaultMapperKeepsTheFastPaths() {
        JsonMapper mapper = StashJson.forValues(JsonMapper.builder().build());
        assertThat(ScalarValues.of(mapper).write("x")).as("ScalarValues on").isNotNull();
        assertThat(ScalarValues.of(mapper).write(7L)).as("ScalarValues on").isNotNull();
        assertThat(ScalarTrees.of(mapper).tree("7".getBytes())).as("ScalarTrees on").isNotNull();
    }
}

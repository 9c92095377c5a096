package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.http.MediaType;

/**
 * Which media types make a multi-value body a stream: those WebFlux's codecs write element by element.
 * Protobuf's writer streams {@code application/vnd.google.protobuf} and {@code +x-protobuf} subtypes too,
 * marking them {@code delimited=true}; seen failing before for those, whose bodies were collected, so an
 * open stream held its view's turn until the operation timeout.
 */
class MultiValueBodiesTests {

    @ParameterizedTest
    @ValueSource(strings = {"text/event-stream", "text/plain", "application/x-ndjson", "application/jsonl",
        "application/stream+json", "application/octet-stream", "application/x-protobuf",
        "application/vnd.google.protobuf", "application/vnd.google.protobuf;delimited=true",
        "application/example+x-protobuf", "application/vnd.example;delimited=true"})
    void streams(String type) {
        assertThat(MultiValueBodies.isStream(MediaType.parseMediaType(type))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/xml", "application/cbor", "application/problem+json"})
    void documentsOfAllTheElements(String type) {
        assertThat(MultiValueBodies.isStream(MediaType.parseMediaType(type))).isFalse();
    }
}

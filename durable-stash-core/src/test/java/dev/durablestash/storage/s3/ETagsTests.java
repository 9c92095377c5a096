package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ETagsTests {

    @Test
    void aContentTypeParameterIsReadWhateverTheSpacingCaseAndQuotesTheStoreSendsBack() {
        String sent = CompareAndSwap.contentType("AbC-_9.z1");
        assertThat(ETags.contentTypeParameter(sent, "durable-stash-write")).isEqualTo("AbC-_9.z1");
        assertThat(ETags.contentTypeParameter("application/octet-stream;durable-stash-write=AbC-_9.z1",
                "durable-stash-write")).isEqualTo("AbC-_9.z1");
        assertThat(ETags.contentTypeParameter("Application/Octet-Stream ; Durable-Stash-Write = \"AbC-_9.z1\" ",
                "durable-stash-write")).isEqualTo("AbC-_9.z1");
        assertThat(ETags.contentTypeParameter("application/octet-stream; charset=binary; durable-stash-write=x1",
                "durable-stash-write")).isEqualTo("x1");
    }

    @Test
    void aContentTypeWithoutTheParameterHasNoValue() {
        assertThat(ETags.contentTypeParameter(null, "durable-stash-write")).isNull();
        assertThat(ETags.contentTypeParameter("application/octet-stream", "durable-stash-write")).isNull();
        assertThat(ETags.contentTypeParameter("application/octet-stream; durable-stash-writer=x1",
                "durable-stash-write")).isNull();
        assertThat(ETags.contentTypeParameter("application/octet-stream; durable-stash-write",
                "durable-stash-write")).isNull();
    }
}

package dev.durablestash.spring.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.durablestash.core.StashSettings;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that sets only {@code durable-stash.max-document-size}, below the 64KB default of
 * {@code max-value-size}, as the properties table's row for the document size reads: it starts, with a
 * value limit of the document's size, rather than fail on a property the user did not write.
 */
class DocumentSizeAloneTests {

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aDocumentLimitBelowTheDefaultValueLimitSetAloneStartsWithValuesThatFitTheDocument() {
        contextRunner.withPropertyValues("durable-stash.max-document-size=32KB").run((context) -> {
            assertThat(context).hasNotFailed();
            StashSettings settings = context.getBean(StashSettings.class);
            assertThat(settings.maxDocumentBytes()).isEqualTo(32 * 1024);
            assertThat(settings.maxValueBytes()).isEqualTo(32 * 1024);
        });
    }
}

package dev.durablestash.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.durablestash.testsupport.PublicTypes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core's public types are exactly those of {@code public-api-core.txt}: the engine's API, the
 * storage SPI and the backends (see the README's "Public API"). A new public type fails here: make it
 * package-private, or add it to the list and to the README if it is meant as API.
 */
class PublicApiTests {

    @Test
    void everyPublicTypeOfTheCoreIsListed() {
        List<String> actual = PublicTypes.of(StashAdapter.class);
        List<String> listed = PublicTypes.listed(PublicApiTests.class, "/public-api-core.txt");
        List<String> unlisted = new ArrayList<>(actual);
        unlisted.removeAll(listed);
        List<String> gone = new ArrayList<>(listed);
        gone.removeAll(actual);
        assertThat(unlisted).as("public types not in public-api-core.txt (make them package-private, or list and "
                + "document them)").isEmpty();
        assertThat(gone).as("types in public-api-core.txt that are no longer public (remove them from the list)")
                .isEmpty();
    }
}

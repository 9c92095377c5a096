package dev.durablestash.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

class StashSettingsTests {

    private static final String SECRET = "s".repeat(32);

    private static StashSettings.Builder builder() {
        return StashSettings.builder().secret(SECRET);
    }

    @Test
    void defaults() {
        StashSettings settings = builder().build();
        assertThat(settings.keyPrefix()).isEqualTo("durable-stash/");
        assertThat(settings.ttl()).isEqualTo(Duration.ofDays(7));
        assertThat(settings.revalidateOnMount()).isTrue();
        assertThat(settings.maxValueBytes()).isEqualTo(64 * 1024);
        assertThat(settings.maxDocumentBytes()).isEqualTo(1024 * 1024);
        assertThat(settings.invalidValuePolicy()).isEqualTo(InvalidValuePolicy.RAISE);
        assertThat(settings.actorIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(settings.maxLiveActors()).isEqualTo(10_000);
        assertThat(settings.maxWriteAttempts()).isEqualTo(10);
        assertThat(settings.retryBackoff()).isEqualTo(Duration.ofMillis(5));
        assertThat(settings.maxRetryBackoff()).isEqualTo(Duration.ofMillis(250));
        assertThat(settings.executor()).isNull(); // the adapter runs a pool of its own
        assertThat(settings.operationTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.nextSecret()).isNull();
        assertThat(settings.clock().getZone()).isEqualTo(ZoneOffset.UTC);
        assertThat(settings.jsonMapper()).isNotNull();
        assertThat(settings.previousSecrets()).isEmpty();
        assertThat(settings.secret()).isEqualTo(SECRET.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everySettingIsKept() {
        Executor executor = Runnable::run;
        Clock clock = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
        JsonMapper mapper = JsonMapper.builder().build();
        StashSettings settings = builder()
                .previousSecrets(List.of("p".repeat(32), "q".repeat(40)))
                .keyPrefix("")
                .ttl(Duration.ofHours(1))
                .revalidateOnMount(false)
                .maxValueBytes(10)
                .maxDocumentBytes(20)
                .invalidValuePolicy(InvalidValuePolicy.LOG)
                .actorIdleTimeout(Duration.ofSeconds(3))
                .maxLiveActors(1)
                .maxWriteAttempts(1)
                .retryBackoff(Duration.ZERO, Duration.ZERO)
                .executor(executor)
                .clock(clock)
                .jsonMapper(mapper)
                .build();
        assertThat(settings.previousSecrets()).hasSize(2);
        assertThat(settings.previousSecrets().get(1)).isEqualTo("q".repeat(40).getBytes(StandardCharsets.UTF_8));
        assertThat(settings.keyPrefix()).isEmpty();
        assertThat(settings.ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(settings.revalidateOnMount()).isFalse();
        assertThat(settings.maxValueBytes()).isEqualTo(10);
        assertThat(settings.maxDocumentBytes()).isEqualTo(20);
        assertThat(settings.invalidValuePolicy()).isEqualTo(InvalidValuePolicy.LOG);
        assertThat(settings.actorIdleTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(settings.maxLiveActors()).isEqualTo(1);
        assertThat(settings.maxWriteAttempts()).isEqualTo(1);
        assertThat(settings.retryBackoff()).isZero();
        assertThat(settings.maxRetryBackoff()).isZero();
        assertThat(settings.executor()).isSameAs(executor);
        assertThat(settings.clock()).isSameAs(clock);
        assertThat(settings.jsonMapper()).isSameAs(mapper);
    }

    // ---- secrets -------------------------------------------------------------------------------

    @Test
    void aMissingSecretFailsAtBuildNamingTheSetting() {
        assertThatThrownBy(() -> StashSettings.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("secret");
    }

    @Test
    void aShortSecretFailsNamingTheSettingAndTheMinimum() {
        assertThatThrownBy(() -> StashSettings.builder().secret("s".repeat(31)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret")
                .hasMessageContaining("32")
                .hasMessageContaining("31");
        assertThatThrownBy(() -> StashSettings.builder().secret(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret");
    }

    @Test
    void aNullSecretFailsNamingTheSetting() {
        assertThatThrownBy(() -> StashSettings.builder().secret(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("secret");
    }

    @Test
    void theSecretLengthIsCountedInUtf8Bytes() {
        // 16 two-byte characters are 32 bytes: accepted; 31 ASCII characters are not.
        assertThatCode(() -> StashSettings.builder().secret("é".repeat(16)).build()).doesNotThrowAnyException();
        assertThat(StashSettings.builder().secret("é".repeat(16)).build().secret()).hasSize(32);
    }

    @Test
    void aShortPreviousSecretFailsNamingTheSetting() {
        assertThatThrownBy(() -> builder().previousSecrets(List.of("p".repeat(32), "short")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("previousSecrets")
                .hasMessageContaining("32");
    }

    @Test
    void previousSecretsReplaceEarlierOnes() {
        StashSettings settings = builder()
                .previousSecrets(List.of("a".repeat(32), "b".repeat(32)))
                .previousSecrets(List.of("c".repeat(32)))
                .build();
        assertThat(settings.previousSecrets()).hasSize(1);
        assertThat(settings.previousSecrets().get(0)).isEqualTo("c".repeat(32).getBytes(StandardCharsets.UTF_8));
    }

    // ---- key prefix ----------------------------------------------------------------------------

    @Test
    void aBadKeyPrefixFailsNamingTheSetting() {
        for (String bad : List.of("tab\there", "new\nline", "nul\u0000", "del\u007f", "ü", "x".repeat(513),
                "/absolute/", "a//b/", "../up/", "a/./b", "back\\slash/")) {
            assertThatThrownBy(() -> builder().keyPrefix(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("keyPrefix");
        }
        assertThatThrownBy(() -> builder().keyPrefix(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("keyPrefix");
    }

    @Test
    void printableAsciiKeyPrefixesAreAccepted() {
        assertThat(builder().keyPrefix("").build().keyPrefix()).isEmpty();
        assertThat(builder().keyPrefix("x".repeat(512)).build().keyPrefix()).hasSize(512);
        assertThat(builder().keyPrefix("a b/c-d_e.f~!").build().keyPrefix()).isEqualTo("a b/c-d_e.f~!");
    }

    // ---- numbers and durations -----------------------------------------------------------------

    @Test
    void nonPositiveNumbersFailNamingTheSetting() {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> builder().maxValueBytes(bad)).hasMessageContaining("maxValueBytes").hasMessageContaining("positive");
            assertThatThrownBy(() -> builder().maxDocumentBytes(bad)).hasMessageContaining("maxDocumentBytes");
            assertThatThrownBy(() -> builder().maxLiveActors(bad)).hasMessageContaining("maxLiveActors");
            assertThatThrownBy(() -> builder().maxWriteAttempts(bad)).hasMessageContaining("maxWriteAttempts");
        }
        assertThatThrownBy(() -> builder().maxValueBytes(-5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxValueBytes must be positive, was -5");
    }

    @Test
    void anUnsetValueLimitIsTheDefaultOrASmallerDocumentLimit() {
        assertThat(builder().build().maxValueBytes()).isEqualTo(64 * 1024);
        assertThat(builder().maxDocumentBytes(32 * 1024).build().maxValueBytes())
                .as("a document limit below the default value limit, set alone").isEqualTo(32 * 1024);
        assertThat(builder().maxValueBytes(1024).maxDocumentBytes(32 * 1024).build().maxValueBytes()).isEqualTo(1024);
    }

    @Test
    void aValueLimitAboveTheDocumentLimitIsRefused() {
        // a value between the two limits would pass the value check and fail every stash as too large a document
        assertThatThrownBy(() -> builder().maxValueBytes(2048).maxDocumentBytes(1024).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxValueBytes (2048) is above maxDocumentBytes (1024)");
        assertThatThrownBy(() -> builder().maxValueBytes(64 * 1024).maxDocumentBytes(32 * 1024).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("maxValueBytes (65536) is above maxDocumentBytes (32768)");
        StashSettings equal = builder().maxValueBytes(1024).maxDocumentBytes(1024).build();
        assertThat(equal.maxValueBytes()).isEqualTo(equal.maxDocumentBytes());
    }

    @Test
    void nonPositiveDurationsFailNamingTheSetting() {
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
            assertThatThrownBy(() -> builder().ttl(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ttl");
            assertThatThrownBy(() -> builder().actorIdleTimeout(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("actorIdleTimeout");
        }
        assertThatThrownBy(() -> builder().ttl(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("ttl");
    }

    @Test
    void aBadRetryBackoffFailsNamingTheSettings() {
        assertThatThrownBy(() -> builder().retryBackoff(Duration.ofMillis(-1), Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("retryBackoff");
        assertThatThrownBy(() -> builder().retryBackoff(Duration.ofMillis(10), Duration.ofMillis(9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxRetryBackoff");
        assertThatThrownBy(() -> builder().retryBackoff(null, Duration.ofMillis(9)))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("retryBackoff");
    }

    @Test
    void operationTimeoutMustBePositive() {
        assertThatThrownBy(() -> builder().operationTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("operationTimeout");
        assertThat(builder().operationTimeout(Duration.ofMillis(250)).build().operationTimeout()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void nextSecretCannotBeCombinedWithPreviousSecrets() {
        assertThatThrownBy(() -> builder().nextSecret("too-short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nextSecret");
        assertThatThrownBy(() -> builder().nextSecret("next-secret-0123456789abcdefghijklmnop")
                .previousSecrets(List.of("older-secret-0123456789abcdefghijklmnop")).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nextSecret cannot be combined with previousSecrets");
        assertThat(builder().nextSecret("next-secret-0123456789abcdefghijklmnop").build().nextSecret()).isNotNull();
    }

    @Test
    void nullCollaboratorsFailNamingTheSetting() {
        assertThatThrownBy(() -> builder().operationTimeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("operationTimeout");
        assertThatThrownBy(() -> builder().clock(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
        assertThatThrownBy(() -> builder().invalidValuePolicy(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("invalidValuePolicy");
    }

    @Test
    void aNullJsonMapperMeansTheDefault() {
        assertThat(builder().jsonMapper(null).build().jsonMapper()).isNotNull();
    }

    @Test
    void builtSettingsDoNotChangeWhenTheBuilderIsReused() {
        StashSettings.Builder builder = builder().ttl(Duration.ofHours(1)).previousSecrets(List.of("a".repeat(32)));
        StashSettings first = builder.build();
        builder.ttl(Duration.ofHours(2)).previousSecrets(List.of()).secret("z".repeat(32));
        assertThat(first.ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(first.previousSecrets()).hasSize(1);
        assertThat(first.secret()).isEqualTo(SECRET.getBytes(StandardCharsets.UTF_8));
    }
}

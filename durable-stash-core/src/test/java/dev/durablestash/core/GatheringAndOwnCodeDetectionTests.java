package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.io.IOContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.JsonGeneratorDelegate;
import tools.jackson.core.util.JsonParserDelegate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The fixes to gathering and to {@link JacksonOwnCode}. */
class GatheringAndOwnCodeDetectionTests {

    private static final String SECRET = "x".repeat(32);

    /** Masks API keys in what it writes: an application's generator. */
    static final class MaskingGenerator extends JsonGeneratorDelegate {
        MaskingGenerator(JsonGenerator generator) {
            super(generator, true);
        }

        @Override
        public JsonGenerator writeString(String text) {
            return super.writeString(text.startsWith("sk_") ? "****" : text);
        }
    }

    /** An application's factory: its generators are Jackson's delegate around the masking one. */
    static final class MaskingFactory extends JsonFactory {
        MaskingFactory() {
        }

        MaskingFactory(MaskingFactory source) {
            super(source);
        }

        @Override
        public JsonFactory copy() {
            return new MaskingFactory(this);
        }

        @Override
        protected JsonGenerator _createUTF8Generator(ObjectWriteContext context, IOContext io, OutputStream out) {
            return new JsonGeneratorDelegate(new MaskingGenerator(super._createUTF8Generator(context, io, out)), true);
        }
    }

    /**
     * A JsonFactory subclass is a DecorableTSFactory without decorators, and its generator's class is
     * Jackson's delegate: the application's generator inside is called by the watched one, never on the
     * stack when it is called, so the fast path stays on and stores the key unmasked.
     */
    @Test
    void anApplicationsJsonFactorySubclassStillWritesStashedStrings() {
        JsonMapper masking = JsonMapper.builder(new MaskingFactory()).build();
        String key = "sk_live_abc";
        assertThat(new String(masking.writeValueAsBytes(key))).as("the mapper masks it").isEqualTo("\"****\"");
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(masking).build());
        assertThat(new String(codec.json(key))).as("what a stash stores").isEqualTo("\"****\"");
    }

    /** Drops a legacy prefix from the strings it reads: an application's parser. */
    static final class LegacyParser extends JsonParserDelegate {
        LegacyParser(JsonParser parser) {
            super(parser);
        }

        @Override
        public String getString() {
            String text = super.getString();
            return text != null && text.startsWith("v1:") ? text.substring(3) : text;
        }
    }

    /** An application's factory: its parsers are Jackson's delegate around the legacy one. */
    static final class LegacyFactory extends JsonFactory {
        LegacyFactory() {
        }

        LegacyFactory(LegacyFactory source) {
            super(source);
        }

        @Override
        public JsonFactory copy() {
            return new LegacyFactory(this);
        }

        @Override
        protected JsonParser _createParser(ObjectReadContext context, IOContext io, byte[] data, int offset, int len) {
            return new JsonParserDelegate(new LegacyParser(super._createParser(context, io, data, offset, len)));
        }
    }

    /** As for writes: the application's parser inside Jackson's delegate is never on the stack when it is called. */
    @Test
    void anApplicationsJsonFactorySubclassStillReadsRecoveredStrings() {
        JsonMapper legacy = JsonMapper.builder(new LegacyFactory()).build();
        assertThat(legacy.readerFor(String.class).<String>readValue("\"v1:name\"".getBytes()))
                .as("the mapper drops the prefix").isEqualTo("name");
        JsonNode node = StashJson.DOCUMENTS.valueToTree("v1:name"); // as a stored document holds it
        ValueCodec codec = new ValueCodec(StashSettings.builder().secret(SECRET).jsonMapper(legacy).build());
        assertThat(codec.decode(node, String.class)).as("what a recover returns").isEqualTo("name");
    }

    /**
     * A retired actor (evicted while idle) still gathering holds its successor: the successor's
     * recover, an operation of another kind, waits for the predecessor's gather bound.
     */
    @Test
    void aSuccessorsRecoverDoesNotWaitForItsPredecessorsGather() throws Exception {
        Duration took = null;
        for (int attempt = 0; attempt < 3 && took == null; attempt++) {
            took = successorsRecoverAfterItsPredecessorsGatherStarted();
        }
        assertThat(took).as("an attempt where the actor stayed live until its gather started").isNotNull();
        // Waiting for the gather would take about 0.8 s; half of that leaves room for a slow machine.
        assertThat(took).as("the successor's recover, behind the predecessor's 80 stashes").isLessThan(Duration.ofMillis(400));
    }

    /**
     * @return how long the successor's recover took, or {@code null} when the actor was evicted before its
     *     gather started (the test thread stalled longer than the idle timeout): nothing was tested then
     */
    private static @Nullable Duration successorsRecoverAfterItsPredecessorsGatherStarted() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        ViewDefinition view = ConcurrentStashTests.view(4);
        String sid = SessionIds.newSid();
        Duration idle = Duration.ofMillis(100);
        try (StashAdapter adapter = new StashAdapter(backend, Engines.settings().revalidateOnMount(false)
                .actorIdleTimeout(idle).build())) {
            GroupCommitTests.HeldPair pair = GroupCommitTests.holdTwoStashesInOnePut(adapter, backend, sid, view);
            List<CompletionStage<Void>> behind = new ArrayList<>();
            for (int i = 0; i < 80; i++) { // the write of the pair takes 4 s; these keep the actor live meanwhile
                Thread.sleep(idle.toMillis() / 2);
                behind.add(adapter.stash(sid, view, Map.of("k2", (long) i)));
            }
            backend.stopHolding();
            boolean stayedLive = adapter.statistics().evictions() == 0;
            pair.write().release().run(); // a gather starts: 82 to wait for, or 1 s (its bound's most)
            await(pair.first());
            await(pair.second());
            Thread.sleep(idle.toMillis() + 100); // the actor is idle: evicted, retired, still gathering (for 0.8 s)
            long start = System.nanoTime();
            CompletionStage<Recovery> recovery = adapter.recover(sid, view, MountKind.REJOIN);
            recovery.toCompletableFuture().get(Engines.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            for (CompletionStage<Void> each : behind) {
                await(each);
            }
            return stayedLive ? took : null;
        }
    }
}

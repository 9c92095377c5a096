package dev.durablestash.core;

import static dev.durablestash.testsupport.Stages.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import ch.qos.logback.classic.Level;

import dev.durablestash.core.MapStorageBackend.Operation;
import dev.durablestash.testsupport.ExpectedLogs;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Probes of the heap changes (compact slices, the runner's own queue, the lazy deque and drained future). */
class CompactActorStateTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.of(SessionDocument.class, ViewRecovery.class);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Instant EXPIRES = Instant.parse("2026-12-03T10:15:30Z");

    // ---- slices against the ObjectNode rule they replaced --------------------------------------

    private record ModelSlice(int vsn, ObjectNode data) {
    }

    private static final Migrator RENAMING = (vsn, data) -> {
        JsonNode k0 = data.remove("k0");
        if (k0 != null) {
            data.set("renamed", k0);
        }
        data.put("from", vsn);
        return data;
    };
    private static final Migrator DROPPING = (vsn, data) -> null;
    private static final Migrator THROWING = (vsn, data) -> {
        throw new IllegalStateException("migrator refuses");
    };

    /** The merge rule as it was with an ObjectNode per slice (442ee8c's SessionDocument.apply). */
    private static void applyToModel(TreeMap<String, ModelSlice> model, SliceDiff diff) {
        if (diff.isTouch()) {
            return;
        }
        ModelSlice current = model.get(diff.view());
        boolean conditional = diff.mode() == SliceDiff.Mode.REPLACE || diff.mode() == SliceDiff.Mode.DROP_STALE;
        if (conditional && (current == null || current.vsn() == diff.vsn())) {
            return;
        }
        if (diff.mode() == SliceDiff.Mode.RESET || diff.mode() == SliceDiff.Mode.DROP_STALE) {
            model.remove(diff.view());
            return;
        }
        ObjectNode data = NODES.objectNode();
        if (diff.mode() == SliceDiff.Mode.MERGE && current != null) {
            ObjectNode base = current.vsn() == diff.vsn() ? current.data() : migratedInModel(current, diff);
            if (base != null) {
                data.setAll(base);
            }
        }
        for (String key : diff.removes()) {
            data.remove(key);
        }
        data.setAll(diff.sets());
        model.put(diff.view(), new ModelSlice(diff.vsn(), data));
    }

    private static @Nullable ObjectNode migratedInModel(ModelSlice stale, SliceDiff diff) {
        Migrator migrator = diff.migrator();
        if (migrator == null) {
            return null;
        }
        try {
            return migrator.migrate(stale.vsn(), stale.data().deepCopy());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] modelBytes(TreeMap<String, ModelSlice> model) {
        ObjectNode root = NODES.objectNode();
        root.put("format", SessionDocument.FORMAT);
        root.put("expiresAt", EXPIRES.toString());
        ObjectNode views = root.putObject("views");
        model.forEach((name, slice) -> views.putObject(name).put("vsn", slice.vsn()).set("data", slice.data()));
        return SessionDocument.MAPPER.writeValueAsBytes(root);
    }

    private static JsonNode randomValue(Random random, int i) {
        switch (random.nextInt(8)) {
            case 0:
                return NODES.nullNode();
            case 1:
                return NODES.booleanNode(random.nextBoolean());
            case 2:
                return NODES.stringNode("s\"\u00e9\n" + i);
            case 3:
                return NODES.numberNode(new BigDecimal(random.nextInt(1000) + ".50"));
            case 4: {
                ObjectNode nested = NODES.objectNode();
                nested.put("b", i).putArray("a").add(new BigDecimal("2.50"));
                return nested;
            }
            case 5:
                return NODES.numberNode(random.nextLong());
            default:
                return NODES.numberNode(random.nextInt(100));
        }
    }

    /**
     * @return the slice a write-back of {@code view} is made from: the one stored (the rule of a stale
     *     slice changed since is {@code SessionDocumentTests}'), or any, for none (the write-back then changes nothing)
     */
    private static SessionDocument.Slice storedOrAny(SessionDocument document, ViewDefinition view) {
        SessionDocument.Slice stored = document.slice(view.name());
        return stored != null ? stored : SessionDocument.Slice.of(1, NODES.objectNode());
    }

    private static ViewDefinition view(String name, int vsn, @Nullable Migrator migrator) {
        return ViewDefinition.builder(name).vsn(vsn).key("k0", Object.class).migrator(migrator).build();
    }

    /**
     * Random diffs of every mode (merge, replace, reset, drop-stale), two views, two versions and four
     * migrators (none, renaming, dropping, throwing), small and large slices, documents re-parsed and
     * read (so merges meet parsed bases and built indexes): the slice, its member order, its bytes,
     * its equality and hash are those of the ObjectNode rule, and the bytes are those the whole tree
     * written by the mapper gives.
     */
    @Test
    void everyModeMergesLikeTheObjectNodeRuleWithTheSameBytes() {
        logs.allow(Level.WARN, "migrator of view");
        Random random = new Random(20261202);
        Migrator[] migrators = {null, RENAMING, DROPPING, THROWING};
        String[] names = {"a", "b"};
        for (int round = 0; round < 200; round++) {
            int pool = 1 + random.nextInt(random.nextBoolean() ? 6 : 60);
            SessionDocument document = SessionDocument.empty().withExpiry(EXPIRES);
            TreeMap<String, ModelSlice> model = new TreeMap<>();
            for (int step = 0; step < 16; step++) {
                ViewDefinition view = view(names[random.nextInt(2)], 1 + random.nextInt(2),
                        migrators[random.nextInt(migrators.length)]);
                SliceDiff diff;
                int kind = random.nextInt(10);
                if (kind == 0) {
                    diff = SliceDiff.reset(view);
                } else if (kind == 1) {
                    diff = SliceDiff.dropStale(view, storedOrAny(document, view));
                } else if (kind == 2) {
                    Map<String, JsonNode> data = new LinkedHashMap<>();
                    for (int i = random.nextInt(pool + 1); i > 0; i--) {
                        data.put("k" + random.nextInt(pool), randomValue(random, i));
                    }
                    diff = SliceDiff.replace(view, data, storedOrAny(document, view));
                } else {
                    Map<String, JsonNode> sets = new LinkedHashMap<>();
                    Set<String> removes = new LinkedHashSet<>();
                    for (int i = random.nextInt(random.nextBoolean() ? 4 : 3 * pool + 1); i > 0; i--) {
                        String key = random.nextInt(10) == 0 ? "renamed" : "k" + random.nextInt(pool);
                        if (random.nextInt(4) == 0) {
                            removes.add(key);
                        } else {
                            sets.put(key, randomValue(random, i));
                        }
                    }
                    diff = SliceDiff.of(view, sets, removes);
                }
                document = document.apply(diff);
                applyToModel(model, diff);

                byte[] expected = modelBytes(model);
                assertThat(new String(document.toBytes(), StandardCharsets.UTF_8)).as("round %s step %s %s", round, step, diff)
                        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
                assertThat(document.encodedSize()).isEqualTo(expected.length);
                SessionDocument fromModel = SessionDocument.parse(expected);
                for (String name : names) {
                    ModelSlice m = model.get(name);
                    SessionDocument.Slice slice = document.slice(name);
                    if (m == null) {
                        assertThat(slice).isNull();
                        continue;
                    }
                    assertThat(slice.vsn()).isEqualTo(m.vsn());
                    assertThat(slice.size()).isEqualTo(m.data().size());
                    assertThat(slice.data()).isEqualTo(m.data());
                    List<String> order = new ArrayList<>();
                    for (int i = 0; i < slice.size(); i++) {
                        order.add(slice.name(i));
                        assertThat(slice.value(i)).isEqualTo(m.data().get(slice.name(i)));
                    }
                    assertThat(order).containsExactlyElementsOf(m.data().propertyNames());
                    for (int k = 0; k <= pool; k++) {
                        assertThat(slice.get("k" + k)).isEqualTo(m.data().get("k" + k));
                    }
                    assertThat(slice.get("renamed")).isEqualTo(m.data().get("renamed"));
                    assertThat(slice).isEqualTo(fromModel.slice(name)).hasSameHashCodeAs(fromModel.slice(name));
                    assertThat(fromModel.slice(name)).isEqualTo(slice);
                }
                if (random.nextInt(3) == 0) {
                    document = SessionDocument.parse(document.toBytes()); // merges then meet a parsed base
                }
            }
        }
    }

    /**
     * A migrator may modify the data it is given (its javadoc: a private copy), also nested values,
     * and may keep and modify what it returned: neither the document it migrated from nor the one the
     * merge made changes afterwards.
     */
    @Test
    void aMigratorThatModifiesItsInputOrKeepsItsOutputChangesNoStoredSlice() {
        String stored = "{\"format\":1,\"expiresAt\":\"2026-12-03T10:15:30Z\",\"views\":{\"v\":{\"vsn\":1,"
                + "\"data\":{\"a\":{\"x\":1},\"b\":[1,2],\"c\":3,\"k0\":\"keep\"}}}}";
        SessionDocument v1 = SessionDocument.parse(stored.getBytes(StandardCharsets.UTF_8));
        List<ObjectNode> returned = new ArrayList<>();
        Migrator meddling = (vsn, data) -> {
            ((ObjectNode) data.get("a")).put("x", 99);
            ((ArrayNode) data.get("b")).add(3);
            data.remove("c");
            data.put("added", 1);
            returned.add(data);
            return data;
        };
        ViewDefinition v2 = view("v", 2, meddling);

        SessionDocument merged = v1.apply(SliceDiff.of(v2, Map.of("z", NODES.numberNode(7)), Set.of()));
        String mergedBytes = new String(merged.toBytes(), StandardCharsets.UTF_8);
        assertThat(new String(v1.toBytes(), StandardCharsets.UTF_8)).isEqualTo(stored);
        assertThat(mergedBytes).isEqualTo("{\"format\":1,\"expiresAt\":\"2026-12-03T10:15:30Z\",\"views\":{\"v\":{\"vsn\":2,"
                + "\"data\":{\"a\":{\"x\":99},\"b\":[1,2,3],\"k0\":\"keep\",\"added\":1,\"z\":7}}}}");

        returned.get(0).put("late", 1);
        returned.get(0).remove("k0");
        assertThat(new String(merged.toBytes(), StandardCharsets.UTF_8)).isEqualTo(mergedBytes);
        assertThat(merged.slice("v").get("late")).isNull();
        assertThat(merged.slice("v").get("k0")).isEqualTo(NODES.stringNode("keep"));

        ViewRecovery.Outcome outcome = ViewRecovery.recover(v1, v2, MountKind.FRESH,
                new ValueCodec(Engines.settings().build()));
        assertThat(outcome.recovery().status()).isEqualTo(RecoveryStatus.RECOVERED);
        assertThat(new String(v1.toBytes(), StandardCharsets.UTF_8)).isEqualTo(stored);
        SessionDocument written = v1;
        for (SliceDiff write : outcome.writes()) {
            written = written.apply(write);
        }
        returned.get(1).put("late", 1);
        assertThat(written.slice("v").get("late")).isNull();
        assertThat(written.slice("v").get("added")).isEqualTo(NODES.numberNode(1));
    }

    // ---- actors: a successor never writes before its predecessors drained ----------------------

    static final ViewDefinition COUNT = ViewDefinition.builder("count").key("n", Integer.class).build();

    /**
     * A, the session's actor, has its load held by the store; it goes idle-expired and is retired with
     * the operation in flight. B takes the session's next stash and waits for A; B too is retired while
     * it waits, and C takes the next one. Until A's operation ends, neither B nor C calls the store; after
     * it, they run in arrival order, and the last stash wins.
     */
    @Test
    void aChainOfSuccessorsWaitsForTheFirstPredecessorBeforeAnyStorageCall() throws Exception {
        MapStorageBackend store = new MapStorageBackend();
        HeldBackend backend = new HeldBackend(store);
        StashSettings settings = Engines.settings().actorIdleTimeout(Duration.ofMillis(50)).build();
        String sid = SessionIds.newSid();
        backend.onlyKey(new StorageKeys(settings).currentKey(sid));
        try (StashAdapter adapter = new StashAdapter(backend, settings)) {
            backend.hold(Operation.GET, Operation.PUT, Operation.DELETE);
            CompletionStage<Void> first = adapter.stash(sid, COUNT, Map.of("n", 1));
            HeldBackend.Held firstLoad = backend.next();
            assertThat(firstLoad.operation()).isEqualTo(Operation.GET);

            retireIdleActors(adapter);
            CompletionStage<Void> second = adapter.stash(sid, COUNT, Map.of("n", 2));
            retireIdleActors(adapter);
            CompletionStage<Void> third = adapter.stash(sid, COUNT, Map.of("n", 3));
            retireIdleActors(adapter);
            CompletionStage<Void> fourth = adapter.stash(sid, COUNT, Map.of("n", 4));
            assertThat(adapter.statistics().evictions()).isGreaterThanOrEqualTo(3);

            Thread.sleep(200);
            assertThat(backend.waiting()).as("storage calls of successors while A's load is held").isZero();
            firstLoad.release().run();
            HeldBackend.Held firstPut = backend.next();
            assertThat(firstPut.operation()).isEqualTo(Operation.PUT);
            Thread.sleep(200);
            assertThat(backend.waiting()).as("storage calls of successors while A's write is held").isZero();
            assertThat(second.toCompletableFuture().isDone()).isFalse();
            backend.stopHolding();
            firstPut.release().run();
            await(first);
            await(second);
            await(third);
            await(fourth);
            assertThat(await(adapter.recover(sid, COUNT, MountKind.REJOIN)).values()).containsOnly(Map.entry("n", 4));
        }
    }

    private static void retireIdleActors(StashAdapter adapter) throws InterruptedException {
        Thread.sleep(120);
        adapter.statistics(); // runs the cache's maintenance: the idle actor expires and is retired
    }

    // ---- the runner: no task lost when two threads queue at the same moment --------------------

    /**
     * Two threads queue one task each on a fresh runner at the same moment, many times: once both
     * execute calls returned and the drains handed off meanwhile ran, both tasks ran. A task pushed
     * while the other thread's drain is finishing would otherwise stay queued with the runner idle.
     */
    @Test
    void twoThreadsQueuingAtTheSameMomentLoseNoTask() throws Exception {
        int rounds = 30_000;
        ConcurrentLinkedQueue<Runnable> handedOff = new ConcurrentLinkedQueue<>();
        Executor collecting = handedOff::add;
        SerialRunner[] runners = new SerialRunner[rounds];
        AtomicInteger[] ran = new AtomicInteger[rounds];
        AtomicInteger[] gates = new AtomicInteger[rounds];
        Thread[][] ranOn = new Thread[rounds][2];
        for (int i = 0; i < rounds; i++) {
            runners[i] = new SerialRunner(collecting);
            ran[i] = new AtomicInteger();
            gates[i] = new AtomicInteger();
        }
        class Side implements Runnable {
            final int id;

            Side(int id) {
                this.id = id;
            }

            @Override
            public void run() {
                Random random = new Random(id);
                for (int i = 0; i < rounds; i++) {
                    AtomicInteger gate = gates[i];
                    gate.incrementAndGet();
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (gate.get() < 2 && System.nanoTime() < until) {
                        Thread.onSpinWait(); // both threads leave within a few hundred nanoseconds
                    }
                    for (int spin = random.nextInt(64); spin > 0; spin--) {
                        Thread.onSpinWait(); // spreads the two pushes over the drain's tail
                    }
                    AtomicInteger count = ran[i];
                    Thread[] where = ranOn[i];
                    int work = random.nextInt(256);
                    runners[i].execute(() -> {
                        where[id] = Thread.currentThread();
                        for (int w = work; w > 0; w--) {
                            Thread.onSpinWait(); // a task of varying length: the other push lands anywhere in the drain
                        }
                        count.incrementAndGet();
                    });
                }
            }
        }
        Thread other = new Thread(new Side(1));
        other.start();
        new Side(0).run();
        other.join(60_000);

        int tailHandOffs = handedOff.size(); // a push seen by a drain after it let go of the runner
        Runnable next;
        while ((next = handedOff.poll()) != null) {
            next.run();
        }
        int oneThreadRanBoth = 0;
        for (int i = 0; i < rounds; i++) {
            assertThat(ran[i].get()).as("round %s", i).isEqualTo(2);
            if (ranOn[i][0] == ranOn[i][1]) {
                oneThreadRanBoth++;
            }
        }
        System.out.println("rounds in which one thread's drain ran the other's task: " + oneThreadRanBoth + " of " + rounds
                + "; drains handed off at a drain's tail: " + tailHandOffs);
    }
}

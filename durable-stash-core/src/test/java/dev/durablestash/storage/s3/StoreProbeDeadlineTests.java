package dev.durablestash.storage.s3;

import static dev.durablestash.storage.s3.StoreProbeTransientDeleteTests.failed;
import static dev.durablestash.storage.s3.StoreProbeTransientDeleteTests.ignoringIfMatchOfAMissingKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.StorageException;
import dev.durablestash.testsupport.Stages;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/**
 * The store check within its deadline: nothing is sent once the time is up, a problem found before the check
 * stops (an outage, the deadline) is reported all the same, and what the check may leave in the bucket (an
 * object it could not remove) is named, in its findings or in the error.
 */
class StoreProbeDeadlineTests {

    private static final String PROBE = "durable-stash/store-check";

    private final S3TestServer server = S3TestServer.shared();

    /** Every request the check sent, in order: the {@link System#nanoTime()} it was sent at, then what it was. */
    private final List<Sent> sent = new CopyOnWriteArrayList<>();

    private record Sent(long at, String what) {}

    /**
     * @param answer answers a PUT, GET or DELETE request in place of {@code behind} ({@code null}: forward it)
     * @return a client in front of {@code behind} that records every request it is sent
     */
    private S3AsyncClient recording(S3AsyncClient behind, Function<SdkRequest, CompletableFuture<?>> answer) {
        return ClientsInFront.inFrontOf(behind, (proxy, method, args) -> {
            if (args == null || !(args[0] instanceof SdkRequest request)) {
                return method.isDefault() ? InvocationHandler.invokeDefault(proxy, method, args) : ClientsInFront.FORWARD;
            }
            sent.add(new Sent(System.nanoTime(), describe(request)));
            CompletableFuture<?> answered = answer.apply(request);
            return answered != null ? answered : ClientsInFront.forward(behind, method, args);
        });
    }

    private static String describe(SdkRequest request) {
        if (request instanceof PutObjectRequest put) {
            return "PUT " + put.key() + (put.ifMatch() != null ? " If-Match" : "");
        }
        if (request instanceof DeleteObjectRequest delete) {
            return "DELETE " + delete.key() + (delete.ifMatch() != null ? " If-Match" : "");
        }
        if (request instanceof GetObjectRequest get) {
            return "GET " + get.key();
        }
        return request.getClass().getSimpleName();
    }

    /** @return the plain DELETEs of the probe key after the first, held without an answer; the rest forwarded */
    private S3AsyncClient holdingTheProbeKeysLaterPlainDeletes(S3AsyncClient behind) {
        AtomicInteger plainDeletes = new AtomicInteger();
        return recording(behind, request -> request instanceof DeleteObjectRequest delete && delete.key().equals(PROBE)
                && delete.ifMatch() == null && plainDeletes.incrementAndGet() > 1 ? new CompletableFuture<>() : null);
    }

    /**
     * A store that applies a PUT with {@code If-Match} of a missing key: the replace of the deleted probe key
     * creates it again, and removing it gets no answer until the time is up. The problem found is reported,
     * and the object named as one that may be left. Seen failing on 84a61c6 (review): the replace of the key
     * never written was still sent, after the deadline, and the check failed as an outage ("did not finish in
     * time"), a warning on which the starter starts on an unsafe store.
     */
    @Test
    void aProblemFoundIsReportedThoughTheRemovalOfWhatItCreatedHangs() {
        String bucket = server.createBucket("probe-deleted-key-hangs");
        S3AsyncClient client = holdingTheProbeKeysLaterPlainDeletes(
                ignoringIfMatchOfAMissingKey(server.client(), put -> true));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(3));

            assertThat(check.problems()).containsExactly(
                    "the store ignores If-Match on PUT of a missing key (the replace created it)");
            assertThat(check.summary()).contains("may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE
                    + " (the check's time was up)");
            assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).containsExactly(PROBE);
        }
    }

    /**
     * The same store and hold: no request is sent once the check's time is up. Seen failing on 84a61c6
     * (review): the replace of a key never written and the removal of the probe object were sent after the
     * deadline, and on this store the first created an object nobody removed.
     */
    @Test
    void nothingIsSentOnceTheTimeIsUp() {
        String bucket = server.createBucket("probe-after-deadline");
        S3AsyncClient client = holdingTheProbeKeysLaterPlainDeletes(
                ignoringIfMatchOfAMissingKey(server.client(), put -> true));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // the check's is a little later
            backend.checkStore(PROBE, Duration.ofSeconds(3));

            assertThat(sent).as("every request sent").isNotEmpty();
            assertThat(sent).filteredOn(request -> request.at() - deadline > 0).as("sent after the deadline").isEmpty();
            assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).containsExactly(PROBE);
        }
    }

    /** No time at all: nothing is sent, nothing is left. Seen failing on 84a61c6 (review): a create and a DELETE. */
    @Test
    void aCheckWithNoTimeSendsNothing() {
        String bucket = server.createBucket("probe-no-time");
        S3AsyncClient client = recording(server.client(), request -> null);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ZERO)).isInstanceOf(StorageException.class)
                    .hasMessage("S3 store check of s3://" + bucket + "/" + PROBE + " did not finish in time");
        }
        assertThat(sent).isEmpty();
        assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).isEmpty();
    }

    /**
     * A check cut short by its deadline (its GET gets no answer) after it created its probe object: the error
     * names that object, which the next start, on another random key, does not remove. Seen failing on 84a61c6
     * (review): the error said only that the check did not finish in time.
     */
    @Test
    void aCheckCutShortNamesTheProbeObjectItMayLeave() {
        String bucket = server.createBucket("probe-cut-short");
        S3AsyncClient client = recording(server.client(),
                request -> request instanceof GetObjectRequest ? new CompletableFuture<>() : null);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE + ".0001", Duration.ofSeconds(2)))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("S3 store check of s3://" + bucket + "/" + PROBE + ".0001 did not finish in time; may be "
                            + "left in the bucket, to delete: s3://" + bucket + "/" + PROBE + ".0001 (the check's "
                            + "time was up)");
        }
        assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).containsExactly(PROBE + ".0001");
    }

    /**
     * A store that ignores {@code If-None-Match: *} (the second create replaced the object), and whose GET then
     * gets no answer until the time is up: the problem found is reported, with the step that stopped the check.
     * Seen failing on 84a61c6: an outage ("did not finish in time"), on which the starter starts.
     */
    @Test
    void aProblemFoundBeforeTheCheckStoppedIsReported() {
        String bucket = server.createBucket("probe-problem-then-outage");
        S3AsyncClient real = server.client();
        S3AsyncClient client = recording(real, request -> {
            if (request instanceof GetObjectRequest) {
                return new CompletableFuture<>();
            }
            return null;
        });
        S3AsyncClient ignoringIfNoneMatch = ClientsInFront.inFrontOf(client, (proxy, method, args) ->
                args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifNoneMatch() != null
                        ? client.putObject(put.toBuilder().ifNoneMatch(null).build(), (AsyncRequestBody) args[1])
                        : method.isDefault() && method.getName().equals("putObject")
                                && !(args[0] instanceof PutObjectRequest)
                                ? InvocationHandler.invokeDefault(proxy, method, args) : ClientsInFront.FORWARD);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(ignoringIfNoneMatch).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(2));

            assertThat(check.problems()).containsExactly(
                    "the store ignores If-None-Match: * on PUT (a create replaced an existing object)");
            assertThat(check.findings()).contains("create over an existing object ACCEPTED",
                    "stopped early, at the conditional GET (S3 store check of s3://" + bucket + "/" + PROBE
                            + " did not finish in time)");
        }
    }

    /**
     * A probe key too long for the suffix of a key never written, under a bucket policy that allows only
     * conditional deletes (so the deleted key's replace is not tried), on a store that applies a PUT with
     * {@code If-Match} of a missing key: the key never written is the probe key cut short, and the problem is
     * found. Seen failing on 84a61c6 (review): safe, neither replace of a missing key sent.
     */
    @Test
    void aLongProbeKeyStillHasAKeyNeverWrittenReplaced() {
        String bucket = server.createBucket("probe-long-key-unsafe");
        String probe = "durable-stash/" + "k".repeat(1000);
        S3AsyncClient client = recording(ignoringIfMatchOfAMissingKey(server.client(), put -> true),
                request -> request instanceof DeleteObjectRequest delete && delete.ifMatch() == null
                        ? failed(403, "AccessDenied") : null);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(probe, Duration.ofSeconds(30));

            assertThat(check.problems()).containsExactly(
                    "the store ignores If-Match on PUT of a missing key (the replace created it)");
            assertThat(sent).extracting(Sent::what).anySatisfy(what ->
                    assertThat(what).matches("PUT durable-stash/k{900,1000}\\.missing-[0-9a-f]+ If-Match"));
            assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).isEmpty();
        }
    }

    /**
     * No DELETE allowed at all, on a store that applies a PUT with {@code If-Match} of a missing key: the
     * objects the check leaves are named in its findings. Seen failing on 84a61c6 (review): neither named.
     */
    @Test
    void theObjectsTheCheckCannotRemoveAreNamed() {
        String bucket = server.createBucket("probe-nothing-removed");
        S3AsyncClient client = recording(ignoringIfMatchOfAMissingKey(server.client(), put -> true),
                request -> request instanceof DeleteObjectRequest ? failed(403, "AccessDenied") : null);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(30));

            List<String> left = StoreProbeTransientDeleteTests.objectsIn(server, bucket);
            String neverWritten = left.stream().filter(key -> !key.equals(PROBE)).findFirst().orElseThrow();
            assertThat(left).containsExactlyInAnyOrder(PROBE, neverWritten);
            assertThat(check.problems()).containsExactly(
                    "the store ignores If-Match on PUT of a missing key (the replace created it)");
            assertThat(check.summary()).endsWith("may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE
                    + " (not removed: HTTP 403 AccessDenied), s3://" + bucket + "/" + neverWritten
                    + " (not removed: HTTP 403 AccessDenied)");
        }
    }
    /** For a client in front: a default method (taking a builder) calls it again; every other call is forwarded. */
    private static Object defaultOr(Object proxy, Method method, Object[] args) throws Throwable {
        return method.isDefault() && args != null && args.length > 0 && !(args[0] instanceof SdkRequest)
                ? InvocationHandler.invokeDefault(proxy, method, args) : ClientsInFront.FORWARD;
    }

    /**
     * The replace of the key never written lands on a store that applies {@code If-Match} of a missing key,
     * but its answer does not come before the time is up: the error names that object, and the probe object's
     * key, which a replace was sent to after the step's DELETE (refused here, but an object may land there
     * still, as a late copy of an earlier PUT can). Seen failing on 997f593 (review): the object left named
     * nowhere.
     */
    @Test
    void aReplaceThatLandedUnansweredIsNamed() {
        String bucket = server.createBucket("probe-missing-landed");
        S3AsyncClient real = server.client();
        S3AsyncClient client = ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
            if (args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifMatch() != null
                    && put.key().contains(".missing-")) {
                real.putObject(put.toBuilder().ifMatch(null).build(), (AsyncRequestBody) args[1]).join();
                return new CompletableFuture<>(); // landed, its answer lost
            }
            return defaultOr(proxy, method, args);
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(3)))
                    .isInstanceOf(StorageException.class)
                    .satisfies(e -> {
                        List<String> left = StoreProbeTransientDeleteTests.objectsIn(server, bucket);
                        assertThat(left).hasSize(1).allMatch(objectKey -> objectKey.contains(".missing-"));
                        assertThat(e).hasMessage("S3 store check of s3://" + bucket + "/" + PROBE + " did not finish "
                                + "in time; may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE
                                + " (the check's time was up), s3://" + bucket + "/" + left.get(0)
                                + " (the check's time was up)");
                    });
        }
    }

    /**
     * @param interruptsAfter whether the thread is interrupted once the request with these arguments was answered
     * @return a client in front of {@code behind} that interrupts the calling thread with such an answer
     */
    private static S3AsyncClient interruptingWithTheAnswer(S3AsyncClient behind, Predicate<Object[]> interruptsAfter) {
        return ClientsInFront.inFrontOf(behind, (proxy, method, args) -> {
            if (args != null && args.length == 2 && interruptsAfter.test(args)) {
                Object answer = ClientsInFront.forward(behind, method, args);
                ((CompletableFuture<?>) answer).handle((a, e) -> null).join();
                Thread.currentThread().interrupt();
                return answer;
            }
            return defaultOr(proxy, method, args);
        });
    }

    /** The check fails as interrupted, keeps the interrupt status, and names the probe object, which it left. */
    private void assertInterruptedLeavingTheProbeObject(S3StorageBackend backend, String bucket) {
        try {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(30)))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("S3 store check interrupted; may be left in the bucket, to delete: s3://" + bucket + "/"
                            + PROBE + " (the check was interrupted)");
        } finally {
            assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
        }
        assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).containsExactly(PROBE);
    }

    /**
     * An interrupt once the conditional GET was answered: the check stops, sends nothing more, keeps the
     * interrupt status, and names the probe object it leaves. Seen failing on 997f593 (review): not named.
     */
    @Test
    void anInterruptedCheckNamesTheProbeObjectItLeaves() {
        String bucket = server.createBucket("probe-interrupt-left");
        S3AsyncClient client = interruptingWithTheAnswer(server.client(), args -> args[0] instanceof GetObjectRequest);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertInterruptedLeavingTheProbeObject(backend, bucket);
        }
    }

    /**
     * A store that applies {@code If-Match} of a missing key; the interrupt comes with the answer of the replace
     * of the deleted probe key, which created it again: the check throws, naming it, although it found a
     * problem. Seen failing on 997f593 (review): a result, the interrupt status set, the object named nowhere.
     */
    @Test
    void anInterruptWithAProblemFoundStillStopsTheCheck() {
        String bucket = server.createBucket("probe-interrupt-problem");
        S3AsyncClient real = server.client();
        S3AsyncClient client = interruptingWithTheAnswer(ignoringIfMatchOfAMissingKey(real, put -> true), args ->
                args[0] instanceof PutObjectRequest put && put.ifMatch() != null
                        && real.headObject(b -> b.bucket(put.bucket()).key(put.key())).handle((h, e) -> e != null)
                                .join());
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertInterruptedLeavingTheProbeObject(backend, bucket);
        }
    }

    /**
     * A store that evaluates {@code If-Match} on DELETE under a bucket policy that allows only conditional
     * deletes, and an interrupt while the removal at the end looks for the probe object (its plain DELETE
     * refused): the check throws, and deletes stay emulated. Seen failing on 997f593 (review): it threw with
     * deletes already native.
     */
    @Test
    void anInterruptDuringTheLastRemovalLeavesDeletesEmulated() {
        String bucket = server.createBucket("probe-interrupt-native");
        AtomicInteger interrupts = new AtomicInteger();
        S3AsyncClient client = recording(server.client(), request -> {
            if (request instanceof DeleteObjectRequest delete && delete.ifMatch() == null) {
                return failed(403, "AccessDenied");
            }
            if (request instanceof GetObjectRequest get && get.ifNoneMatch() == null) {
                interrupts.incrementAndGet();
                Thread.currentThread().interrupt();
                return new CompletableFuture<>(); // under way when the interrupt comes
            }
            return null;
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(30)))
                    .isInstanceOf(StorageException.class).hasMessageStartingWith("S3 store check interrupted");
            assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
            assertThat(interrupts).as("the interrupts that came").hasValue(1);
            assertThat(backend.emulatesConditionalDeletes()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * A store that ignores {@code If-None-Match: *} (a problem), whose DELETE with the current ETag gets no
     * answer until the time is up: the check reports the problem and where it stopped, and no answer the store
     * did not give. Seen failing on 997f593 (review): "conditional DELETE refused with the current ETag too
     * (TimeoutException: the check's time was up)".
     */
    @Test
    void aDeleteUnansweredWhenTheTimeIsUpIsNoAnswerOfTheStore() {
        String bucket = server.createBucket("probe-delete-unanswered");
        AtomicInteger conditionalDeletes = new AtomicInteger();
        S3AsyncClient holding = recording(server.client(), request -> request instanceof DeleteObjectRequest delete
                && delete.ifMatch() != null && conditionalDeletes.incrementAndGet() == 2 ? new CompletableFuture<>()
                        : null);
        S3AsyncClient client = ClientsInFront.inFrontOf(holding, (proxy, method, args) ->
                args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifNoneMatch() != null
                        ? holding.putObject(put.toBuilder().ifNoneMatch(null).build(), (AsyncRequestBody) args[1])
                        : defaultOr(proxy, method, args));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(3));

            assertThat(check.problems()).containsExactly(
                    "the store ignores If-None-Match: * on PUT (a create replaced an existing object)");
            assertThat(check.findings()).noneMatch(finding -> finding.startsWith("conditional DELETE")).contains(
                    "stopped early, at the conditional DELETEs (S3 store check of s3://" + bucket + "/" + PROBE
                            + " did not finish in time)",
                    "may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE + " (the check's time was up)");
        }
    }

    /**
     * A replace whose answer is lost just after the check's time is up: the check sends nothing more and names
     * the probe object; the backend settles that PUT as it settles any write, a HEAD and a copy sent again,
     * which lands after the check gave up (docs/s3.md says so).
     */
    @Test
    void aPutWhoseAnswerIsLostAfterTheTimeIsUpIsSettledByTheBackend() throws Exception {
        String bucket = server.createBucket("probe-put-settled-late");
        AtomicInteger replaces = new AtomicInteger();
        S3AsyncClient client = recording(server.client(), request -> request instanceof PutObjectRequest put
                && put.ifMatch() != null && replaces.incrementAndGet() == 1
                        ? CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(2300,
                                TimeUnit.MILLISECONDS)).thenCompose(x -> CompletableFuture.failedFuture(
                                        SdkClientException.create("The connection was closed during the request")))
                        : null);
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(2)))
                    .hasMessage("S3 store check of s3://" + bucket + "/" + PROBE + " did not finish in time; may be "
                            + "left in the bucket, to delete: s3://" + bucket + "/" + PROBE + " (the check's time was "
                            + "up)");
            Stages.awaitUntil("the backend's copy sent again", () -> sent.stream()
                    .anyMatch(request -> request.at() - deadline > 0 && request.what().startsWith("PUT")));
            assertThat(sent).filteredOn(request -> request.at() - deadline > 0).extracting(Sent::what)
                    .as("sent after the deadline").containsExactly("HeadObjectRequest", "PUT " + PROBE + " If-Match");
            assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).containsExactly(PROBE);
        }
    }
    /**
     * A store that ignores {@code If-Match} of a missing key, where the answer to such a replace is lost and the
     * PUT lands a moment later: no verdict ("refused" would pass an unsafe store), and the keys it may land on
     * are named. Seen failing on 1177365 (review): the backend, reading the key still missing, answered the
     * PUT as refused, and the check passed the store as safe, the objects left named nowhere.
     */
    @Test
    void aReplaceOfAMissingKeyWhoseAnswerIsLostIsNoRefusal() throws Exception {
        String bucket = server.createBucket("probe-missing-lost-answer");
        S3AsyncClient real = server.client();
        S3AsyncClient client = ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
            if (args != null && args.length == 2 && args[0] instanceof PutObjectRequest put && put.ifMatch() != null
                    && real.headObject(b -> b.bucket(put.bucket()).key(put.key())).handle((h, e) -> e != null).join()) {
                AsyncRequestBody body = (AsyncRequestBody) args[1];
                CompletableFuture.runAsync(() -> real.putObject(put.toBuilder().ifMatch(null).build(), body).join(),
                        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
                return CompletableFuture.failedFuture(
                        SdkClientException.create("The connection was closed during the request"));
            }
            return defaultOr(proxy, method, args);
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            assertThatThrownBy(() -> backend.checkStore(PROBE, Duration.ofSeconds(30)))
                    .isInstanceOf(StorageException.class)
                    .satisfies(e -> {
                        Thread.sleep(1000); // the PUT lands
                        List<String> left = StoreProbeTransientDeleteTests.objectsIn(server, bucket);
                        assertThat(left).containsExactly(PROBE);
                        assertThat(e).hasMessageContaining("The connection was closed during the request")
                                .hasMessageEndingWith("may be left in the bucket, to delete: s3://" + bucket + "/" + PROBE
                                        + " (its PUT got no answer that tells whether it was applied, and may still "
                                        + "land)");
                    });
        }
    }

    /**
     * A safe store; the first copy of the create gets no answer, the backend sends it again (stored), and the
     * first copy lands after the last step's DELETE, creating the probe object again: the removal at the end
     * removes it. Seen failing on 1177365 (review): the last step's refused replace made the check take the key
     * for empty, and the object stayed, named nowhere. Its own client: once, in a full run, a fourth create was
     * counted, most likely a copy sent again after a connection of the shared client, left by an earlier test,
     * closed under it (the backend's creates carry no SDK retry); each create's answer is now in the message.
     */
    @Test
    void aLateCopyOfTheCreateIsRemovedAtTheEnd() {
        String bucket = server.createBucket("probe-late-create-copy");
        AtomicInteger creates = new AtomicInteger();
        List<String> createAnswers = new CopyOnWriteArrayList<>();
        AtomicInteger plainDeletes = new AtomicInteger();
        AtomicReference<Runnable> heldCopy = new AtomicReference<>();
        AtomicReference<List<String>> beforeRemoval = new AtomicReference<>();
        try (S3AsyncClient real = S3TestServer.newClient(server.endpoint())) {
            S3AsyncClient client = ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
                if (args != null && args.length == 2 && args[0] instanceof PutObjectRequest put
                        && put.ifNoneMatch() != null && put.key().equals(PROBE)) {
                    int create = creates.incrementAndGet();
                    if (create == 1) {
                        AsyncRequestBody body = (AsyncRequestBody) args[1];
                        heldCopy.set(() -> { // still on its way
                            real.putObject(put, body).join();
                            createAnswers.add("1 (its late copy): stored");
                        });
                        createAnswers.add("1: held, answered as lost");
                        return CompletableFuture.failedFuture(
                                SdkClientException.create("The connection was closed during the request"));
                    }
                    return real.putObject(put, (AsyncRequestBody) args[1]).whenComplete((response, error) ->
                            createAnswers.add(create + ": " + (error == null ? "stored" : error.toString())));
                }
                if (args != null && args.length == 1 && args[0] instanceof DeleteObjectRequest delete
                        && delete.ifMatch() == null && delete.key().equals(PROBE)) {
                    if (plainDeletes.incrementAndGet() == 1) {
                        return real.deleteObject(delete).thenApply(response -> {
                            heldCopy.get().run(); // lands now
                            return response;
                        });
                    }
                    beforeRemoval.set(StoreProbeTransientDeleteTests.objectsIn(server, bucket));
                }
                return defaultOr(proxy, method, args);
            });
            try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
                S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(30));

                assertThat(creates).as("copies of the create, then the second create; their answers: %s",
                        createAnswers).hasValue(3);
                assertThat(check.safe()).as(check.summary()).isTrue();
                assertThat(createAnswers).as("the late copy landed").contains("1 (its late copy): stored");
                assertThat(plainDeletes).as("the last step's DELETE, then the removal at the end").hasValue(2);
                assertThat(beforeRemoval.get()).as("what the removal at the end found").containsExactly(PROBE);
                assertThat(StoreProbeTransientDeleteTests.objectsIn(server, bucket)).isEmpty();
            }
        }
    }

    /**
     * The DELETE with the current ETag gets 503 in each of its attempts: the finding says it was not answered,
     * not that the store refused it. Seen failing on 1177365 (review): "refused with the current ETag too".
     */
    @Test
    void aCurrentEtagDeleteThatKeepsGetting503IsNotReportedAsRefused() {
        String bucket = server.createBucket("probe-current-delete-503");
        S3AsyncClient real = server.client();
        AtomicInteger conditional = new AtomicInteger();
        S3AsyncClient client = StoreProbeStaleDeleteTests.answeringConditionalDeletes(real, request ->
                conditional.incrementAndGet() == 1 ? real.deleteObject(request) : failed(503, "SlowDown"));
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            S3StoreCheck check = backend.checkStore(PROBE, Duration.ofSeconds(30));

            assertThat(conditional).as("conditional DELETEs: 1 stale, 3 current").hasValue(4);
            assertThat(check.findings()).contains("conditional DELETE with the current ETag not answered (HTTP 503 "
                    + "SlowDown), deletes emulated with tombstones");
            assertThat(check.safe()).isTrue();
        }
    }
}

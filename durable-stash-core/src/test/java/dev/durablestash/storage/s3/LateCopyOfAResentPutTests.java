package dev.durablestash.storage.s3;

import static dev.durablestash.testsupport.Stages.await;
import static dev.durablestash.testsupport.Stages.failureOf;
import static dev.durablestash.testsupport.Stages.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A PUT whose first copy got no answer (a read timeout) while it was still on its way to the store: the
 * HEAD finds the object unchanged, the PUT is sent again, and the first copy lands just before the second,
 * which the store then refuses. The put was applied; it must not be answered as refused ("nothing was
 * written"), nor fail claiming "not applied" while a copy may still land.
 */
class LateCopyOfAResentPutTests {

    private final S3TestServer server = S3TestServer.shared();
    private final S3AsyncClient real = server.client();
    /** The PUTs the backend under test sent, in order: their content type (which carries the write id). */
    private final List<String> puts = new CopyOnWriteArrayList<>();
    /** Runs once a HEAD of the backend under test was answered, before its answer is handed on. */
    private volatile Supplier<CompletableFuture<?>> afterHead = () -> CompletableFuture.completedFuture(null);

    /** @return a client whose PUTs {@code answer} answers (the request's arguments, how many PUTs came before) */
    private S3AsyncClient answeringPuts(BiFunction<Object[], Integer, CompletableFuture<PutObjectResponse>> answer) {
        return ClientsInFront.inFrontOf(real, (proxy, method, args) -> {
            if (method.getName().equals("putObject") && args != null && args.length == 2
                    && args[0] instanceof PutObjectRequest request && args[1] instanceof AsyncRequestBody) {
                int before = puts.size();
                puts.add(request.contentType());
                return answer.apply(args, before);
            }
            Object result = ClientsInFront.forward(real, method, args);
            if (method.getName().equals("headObject")) {
                CompletableFuture<Object> head = new CompletableFuture<>();
                ((CompletableFuture<?>) result).whenComplete((answered, error) -> afterHead.get()
                        .whenComplete((landed, hookError) -> {
                            if (error != null) {
                                head.completeExceptionally(error);
                            } else {
                                head.complete(answered);
                            }
                        }));
                return head;
            }
            return result;
        });
    }

    /**
     * @return a client whose first PUT is handed to {@code held} (not sent) and answered with a read timeout,
     *     and whose later ones {@code then} answers (the request's arguments, how many PUTs came before)
     */
    private S3AsyncClient firstCopyHeld(CompletableFuture<Object[]> held,
            BiFunction<Object[], Integer, CompletableFuture<PutObjectResponse>> then) {
        return answeringPuts((args, before) -> {
            if (before == 0) {
                held.complete(args);
                return readTimedOut();
            }
            return then.apply(args, before);
        });
    }

    private CompletableFuture<PutObjectResponse> send(Object[] args) {
        return real.putObject((PutObjectRequest) args[0], (AsyncRequestBody) args[1]);
    }

    private static <T> CompletableFuture<T> readTimedOut() {
        return CompletableFuture.failedFuture(
                SdkClientException.create("Unable to execute HTTP request: Read timed out"));
    }

    /** The first copy is held back and answered with a timeout; it lands just before the second copy. */
    private S3AsyncClient firstCopyLandsBeforeTheSecond() {
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        return firstCopyHeld(held, (args, before) -> before == 1
                ? send(held.join()).handle((landed, error) -> null).thenCompose(x -> send(args))
                : send(args));
    }

    /** Seen failing before: the create was answered PreconditionFailed, its own write stored. */
    @Test
    void aCreateRefusedByItsOwnLateCopyIsWritten() throws Exception {
        String bucket = server.createBucket("late-copy-create");
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket)
                .client(firstCopyLandsBeforeTheSecond()).build()) {
            PutResult result = await(backend.put("k", utf8("mine"), Precondition.absent()));

            assertThat(puts).as("the same write sent twice").hasSize(2).containsOnly(puts.get(0));
            GetResult stored = await(backend.get("k", null));
            assertThat(result).as("the create's answer").isInstanceOf(PutResult.Written.class);
            assertThat(((PutResult.Written) result).etag()).isEqualTo(((GetResult.Found) stored).etag());
        }
    }

    /** Seen failing before: the replace was answered PreconditionFailed, its own write stored. */
    @Test
    void aReplaceRefusedByItsOwnLateCopyIsWritten() throws Exception {
        Replaced replaced = replaceOfV0(server.createBucket("late-copy-replace"), firstCopyLandsBeforeTheSecond());

        assertThat(new String(replaced.stored().body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("v1");
        replaced.assertWrittenAsStored();
    }

    /** A re-send refused by another instance's write (not this one's copy) is still answered as refused. */
    @Test
    void aResentReplaceRefusedByAnotherWriteIsRefused() throws Exception {
        String bucket = server.createBucket("late-copy-other");
        try (S3StorageBackend other = S3StorageBackend.builder().bucket(bucket).client(real).build()) {
            String v0 = ((PutResult.Written) await(other.put("k", utf8("v0"), Precondition.absent()))).etag();
            S3AsyncClient client = answeringPuts((args, before) -> {
                if (before == 0) {
                    return readTimedOut(); // not applied: dropped on the way
                }
                return other.put("k", utf8("v2 of another instance"), Precondition.matching(v0))
                        .toCompletableFuture().thenCompose(written -> send(args));
            });
            try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
                PutResult result = await(backend.put("k", utf8("v1"), Precondition.matching(v0)));

                assertThat(result).isInstanceOf(PutResult.PreconditionFailed.class);
                assertThat(puts).hasSize(2);
            }
        }
    }

    private static <T> CompletableFuture<T> answered(int status, String code) {
        return CompletableFuture.failedFuture(S3Exception.builder().statusCode(status).message(code)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build());
    }

    /**
     * The first copy gets no answer and is still at the store when the second arrives, which AWS S3 then
     * answers 409 ConditionalRequestConflict ("a concurrent operation"); the first copy lands once the HEAD
     * after that 409 was answered, and the third copy is refused by it. Seen failing on 14d5514: answered
     * PreconditionFailed, its own write stored.
     */
    @Test
    void aReSendAnswered409WhileItsFirstCopyIsInProgressIsWritten() throws Exception {
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = firstCopyHeld(held, (args, before) -> {
            if (before == 1) {
                afterHead = () -> { // the HEAD after this 409 was answered: the first copy lands
                    afterHead = () -> CompletableFuture.completedFuture(null);
                    return send(held.join());
                };
                return answered(409, "ConditionalRequestConflict");
            }
            return send(args);
        });
        Replaced replaced = replaceOfV0(server.createBucket("late-copy-409"), client);

        assertThat(puts).as("one write, sent three times").hasSize(3).containsOnly(puts.get(0));
        replaced.assertWrittenAsStored();
    }

    /**
     * The first copy (If-Match quoted, as the store wants it) gets no answer and is still on its way; the
     * second is refused with 412 while the object is still unchanged, so the backend tries the other form
     * (unquoted), which the first copy, landed just before it, makes the store refuse. That refusal says
     * nothing about the unquoted form: it must not be learned. Seen failing on f73b1dd (review): answered
     * Written through the HEAD that found this write, and the unquoted form learned from it.
     */
    @Test
    void aFormIsNotLearnedFromACopyRefusedByAnEarlierCopyInTheOtherForm() throws Exception {
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = firstCopyHeld(held, (args, before) -> {
            if (before == 1) {
                return answered(412, "PreconditionFailed");
            }
            return before == 2 ? send(held.join()).thenCompose(landed -> send(args)) : send(args);
        });
        Replaced replaced = replaceOfV0(server.createBucket("late-copy-form"), client);

        assertThat(replaced.unquotedLearned()).as("the unquoted form learned").isFalse();
        if (replaced.result() instanceof PutResult.Written written) {
            assertThat(written.etag()).isEqualTo(replaced.stored().etag());
        }
    }

    /**
     * The same, but the copy in the other form is answered 409 (the first copy still being written) and then
     * found stored by a HEAD: which copy landed is unknown, so no form is learned. Seen failing on fcdbbb5
     * (review): the unquoted form learned, with an INFO line saying the store accepted it unquoted.
     */
    @Test
    void aFormIsNotLearnedFromAWriteFoundStoredByAHead() throws Exception {
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = firstCopyHeld(held, (args, before) -> {
            if (before == 1) {
                return answered(412, "PreconditionFailed");
            }
            return before == 2 ? send(held.join()).thenCompose(landed -> answered(409, "ConditionalRequestConflict"))
                    : send(args);
        });
        Replaced replaced = replaceOfV0(server.createBucket("late-copy-form-409"), client);

        assertThat(replaced.unquotedLearned()).as("the unquoted form learned").isFalse();
        replaced.assertWrittenAsStored();
    }

    /**
     * A store that takes If-Match unquoted only (as Ceph RGW 16.2), before the backend learned it: the quoted
     * copy is refused, the unquoted one gets no answer and lands just before the unquoted copy sent again,
     * which the store refuses. Seen failing on fcdbbb5 (review): answered PreconditionFailed, its own write
     * stored.
     */
    @Test
    void aCopyInTheOtherFormRefusedByItsOwnLateCopyIsWritten() throws Exception {
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = answeringPuts((args, before) -> {
            if (before == 0) {
                return answered(412, "PreconditionFailed"); // quoted: refused
            }
            if (before == 1) {
                held.complete(args);
                return readTimedOut();
            }
            return before == 2 ? sendUnquotedAsTheStoreTakesIt(held.join())
                    .thenCompose(landed -> sendUnquotedAsTheStoreTakesIt(args))
                    : sendUnquotedAsTheStoreTakesIt(args);
        });
        Replaced replaced = replaceOfV0(server.createBucket("late-copy-other-form"), client);

        replaced.assertWrittenAsStored();
    }

    /**
     * What a replace through the backend under test answered, of a document another instance wrote.
     *
     * @param result the replace's answer
     * @param stored the document afterwards
     * @param unquotedLearned whether the backend learned to send If-Match unquoted meanwhile
     */
    private record Replaced(PutResult result, GetResult.Found stored, boolean unquotedLearned) {

        /** Asserts that the replace was answered as written, with the stored document's ETag. */
        void assertWrittenAsStored() {
            assertThat(result).as("the replace's answer").isInstanceOf(PutResult.Written.class);
            assertThat(((PutResult.Written) result).etag()).isEqualTo(stored.etag());
        }
    }

    /** Another instance writes "v0"; a backend on {@code client} then replaces it with "v1". */
    private Replaced replaceOfV0(String bucket, S3AsyncClient client) throws Exception {
        try (S3StorageBackend other = S3StorageBackend.builder().bucket(bucket).client(real).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            String v0 = ((PutResult.Written) await(other.put("k", utf8("v0"), Precondition.absent()))).etag();
            PutResult result = await(backend.put("k", utf8("v1"), Precondition.matching(v0)));
            return new Replaced(result, (GetResult.Found) await(other.get("k", null)), backend.sendsIfMatchUnquoted());
        }
    }

    /** The in-process server wants If-Match quoted: the store played here takes it unquoted, as it is sent. */
    private CompletableFuture<PutObjectResponse> sendUnquotedAsTheStoreTakesIt(Object[] args) {
        PutObjectRequest request = (PutObjectRequest) args[0];
        return real.putObject(request.toBuilder().ifMatch(ETags.quote(request.ifMatch())).build(),
                (AsyncRequestBody) args[1]);
    }

    /**
     * A client that throws at once, instead of answering with a failed stage, for the copy sent again (a
     * client closed meanwhile, or a wrapper of the application's): the put fails. Seen failing on fcdbbb5
     * (review): it never completed (the throw was lost in the callback that sends the copy again).
     */
    @Test
    void aCopyTheClientThrowsForFailsThePut() {
        String bucket = server.createBucket("late-copy-throws");
        S3AsyncClient client = answeringPuts((args, before) -> {
            if (before == 0) {
                return readTimedOut();
            }
            throw new IllegalStateException("the client is closed");
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            Throwable failure = failureOf(backend.put("k", utf8("v1"), Precondition.absent()), Duration.ofSeconds(5));

            assertThat(failure).as("the put's failure").isNotNull();
            assertThat(failure.getMessage()).contains("could not be sent", "the client is closed");
        }
    }

    /**
     * Every copy is answered 504 Gateway Timeout by a gateway whose upstream request for the first copy
     * completes later. Seen failing on 14d5514: the failure said plain "not applied".
     */
    @Test
    void aPutWhoseCopiesGotAGatewayTimeoutDoesNotClaimNotApplied() throws Exception {
        String bucket = server.createBucket("late-copy-504");
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = answeringPuts((args, before) -> {
            if (before == 0) {
                held.complete(args);
            }
            return answered(504, "GatewayTimeout");
        });
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            Throwable failure = failureOf(backend.put("k", utf8("mine"), Precondition.absent()));

            assertThat(failure).isNotNull();
            assertThat(failure.getMessage())
                    .contains("no copy of this write is stored (one whose answer was lost may still land)");
            send(held.join()).join(); // and it does
            assertThat(await(backend.get("k", null))).isInstanceOf(GetResult.Found.class);
        }
    }

    /**
     * Every copy gets no answer; the first is still on its way when the put fails. Seen failing before: the
     * failure said "not applied", and the first copy landed afterwards.
     */
    @Test
    void aPutWhoseCopiesGotNoAnswerDoesNotClaimNotApplied() throws Exception {
        String bucket = server.createBucket("late-copy-unanswered");
        CompletableFuture<Object[]> held = new CompletableFuture<>();
        S3AsyncClient client = firstCopyHeld(held, (args, before) -> readTimedOut());
        try (S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            Throwable failure = failureOf(backend.put("k", utf8("mine"), Precondition.absent()));

            assertThat(failure).isNotNull();
            assertThat(failure.getMessage())
                    .contains("no copy of this write is stored (one whose answer was lost may still land)");
            send(held.join()).join(); // and it does
            assertThat(await(backend.get("k", null))).isInstanceOf(GetResult.Found.class);
        }
    }
}

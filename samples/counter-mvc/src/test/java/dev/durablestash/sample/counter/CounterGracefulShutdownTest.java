package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.durablestash.sample.counter.IncrementingClient.Attempt;
import dev.durablestash.storage.s3.InProcessS3Server;

/**
 * SIGTERM to the MVC sample in a child JVM under load: 8 browsers incrementing, on S3 (the in-process
 * test server) made slow on purpose, so that every browser has a write in flight when the signal
 * arrives. Spring Boot's graceful shutdown (the default, {@code server.shutdown=graceful}) lets the
 * requests in flight finish within {@code spring.lifecycle.timeout-per-shutdown-phase}: each write
 * that was in flight is acknowledged; new requests are refused; after a restart on the same storage
 * no acknowledged increment is missing. With a grace period shorter than a write, the JVM still ends
 * within the period (plus the context's close), the cut requests get no answer, and nothing
 * acknowledged is lost either.
 */
class CounterGracefulShutdownTest {

    static final int CLIENTS = 8;

    /**
     * Every storage operation waits this long, so a request (a conditional GET and a PUT) takes twice as
     * long; the operation timeout is raised to 30 s, so that an S3 attempt (a quarter of it) is not cut.
     */
    private static final Duration STORE_DELAY = Duration.ofMillis(1500);

    /** A request started this long before the signal is surely inside the app (accepted) when it arrives. */
    private static final Duration SURELY_ACCEPTED = Duration.ofMillis(1000);

    private static final Duration PROGRESS_TIMEOUT = Duration.ofMinutes(2);

    @RegisterExtension
    final SampleProcesses processes = new SampleProcesses();

    @Test
    void onSigtermTheWritesInFlightFinishAndNothingAcknowledgedIsLost() throws Exception {
        String bucket = InProcessS3Server.createBucket("graceful");
        SampleProcess sample = processes.start("sample", with(SampleStorage.s3(bucket),
                "--spring.lifecycle.timeout-per-shutdown-phase=30s",
                "--durable-stash.operation-timeout=30s"));
        Run run = Run.start(sample);
        InProcessS3Server.delayOperations(bucket, STORE_DELAY);
        try {
            run.awaitEveryClientAcknowledged();
            Await.until(() -> run.clients.stream().allMatch(client -> client.inFlightFor(SURELY_ACCEPTED)),
                    PROGRESS_TIMEOUT, "every browser to have a write in flight for " + SURELY_ACCEPTED);
            long signal = System.nanoTime();
            sample.terminate();
            int exit = sample.awaitExit(Duration.ofMinutes(1));
            Duration shutdown = Duration.ofNanos(System.nanoTime() - signal);
            run.stop();

            Map<String, Integer> inFlight = new TreeMap<>();
            Map<String, Integer> after = new TreeMap<>();
            for (IncrementingClient client : run.clients) {
                for (Attempt attempt : client.attempts()) {
                    if (attempt.startNanos() <= signal - SURELY_ACCEPTED.toNanos() && attempt.endNanos() > signal) {
                        inFlight.merge(outcome(attempt), 1, Integer::sum);
                    } else if (attempt.startNanos() > signal) {
                        after.merge(outcome(attempt), 1, Integer::sum);
                    }
                }
            }
            InProcessS3Server.delayOperations(bucket, Duration.ZERO);
            sample.start();
            Verdicts verdicts = run.verdicts(sample);
            System.out.printf("Graceful shutdown (SIGTERM, S3 answering after %d ms, 30 s grace period): %d browsers, "
                    + "writes in flight at the signal: %s; requests after it: %s; JVM exited with %d after %.1f s; "
                    + "%d acknowledged increments, %d lost, %d extra (of %d in doubt)%n",
                    STORE_DELAY.toMillis(), CLIENTS, inFlight, after, exit, shutdown.toMillis() / 1000.0,
                    verdicts.acknowledged, verdicts.problems.size(), verdicts.extra, verdicts.inDoubt);
            assertThat(verdicts.problems).as("the clients' logs against the stored counts").isEmpty();
            assertThat(inFlight).as("outcomes of the writes in flight at the signal; attempts around it:%n%s",
                    around(run, signal)).containsOnlyKeys("200");
            assertThat(inFlight.get("200")).as("writes in flight at the signal").isEqualTo(CLIENTS);
            assertThat(after).as("outcomes of requests sent after the signal").doesNotContainKey("500");
        } finally {
            run.stop();
        }
    }

    @Test
    void aGracePeriodShorterThanAWriteEndsTheJvmInTimeAndLosesNothingAcknowledged() throws Exception {
        String bucket = InProcessS3Server.createBucket("graceful-short");
        Duration grace = Duration.ofSeconds(1);
        SampleProcess sample = processes.start("sample", with(SampleStorage.s3(bucket),
                "--spring.lifecycle.timeout-per-shutdown-phase=" + grace.toMillis() + "ms",
                "--durable-stash.operation-timeout=30s"));
        Run run = Run.start(sample);
        InProcessS3Server.delayOperations(bucket, STORE_DELAY.multipliedBy(2));
        try {
            run.awaitEveryClientAcknowledged();
            Await.until(() -> run.clients.stream().allMatch(client -> client.inFlightFor(SURELY_ACCEPTED)),
                    PROGRESS_TIMEOUT, "every browser to have a write in flight for " + SURELY_ACCEPTED);
            long signal = System.nanoTime();
            sample.terminate();
            int exit = sample.awaitExit(Duration.ofMinutes(1));
            Duration shutdown = Duration.ofNanos(System.nanoTime() - signal);
            run.stop();

            Map<String, Integer> inFlight = new TreeMap<>();
            for (IncrementingClient client : run.clients) {
                for (Attempt attempt : client.attempts()) {
                    if (attempt.startNanos() <= signal && attempt.endNanos() > signal) {
                        inFlight.merge(outcome(attempt), 1, Integer::sum);
                    }
                }
            }
            InProcessS3Server.delayOperations(bucket, Duration.ZERO);
            sample.start();
            Verdicts verdicts = run.verdicts(sample);
            System.out.printf("Graceful shutdown cut short (SIGTERM, S3 answering after %d ms, %d ms grace period): "
                    + "%d browsers, writes in flight at the signal: %s; JVM exited with %d after %.1f s; "
                    + "%d acknowledged increments, %d lost, %d extra (of %d in doubt)%n",
                    STORE_DELAY.multipliedBy(2).toMillis(), grace.toMillis(), CLIENTS, inFlight, exit,
                    shutdown.toMillis() / 1000.0, verdicts.acknowledged, verdicts.problems.size(), verdicts.extra,
                    verdicts.inDoubt);
            assertThat(verdicts.problems).as("the clients' logs against the stored counts").isEmpty();
            assertThat(shutdown).as("time from SIGTERM to exit").isLessThan(grace.plusSeconds(20));
        } finally {
            run.stop();
        }
    }

    /** The clients' attempts that ended within 10 s of the signal, in ms relative to it: for a failure message. */
    private static String around(Run run, long signal) {
        StringBuilder text = new StringBuilder();
        for (IncrementingClient client : run.clients) {
            text.append(client.name()).append(':');
            for (Attempt attempt : client.attempts()) {
                if (Math.abs(attempt.endNanos() - signal) < Duration.ofSeconds(10).toNanos()) {
                    text.append(String.format(" [%+d..%+d ms %s]", (attempt.startNanos() - signal) / 1_000_000,
                            (attempt.endNanos() - signal) / 1_000_000, outcome(attempt)));
                }
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static String outcome(Attempt attempt) {
        return switch (attempt.status()) {
            case Attempt.REFUSED -> "connection refused";
            case Attempt.NO_ANSWER -> "no answer (" + attempt.detail().replaceAll(":.*", "") + ")";
            default -> Integer.toString(attempt.status());
        };
    }

    private static List<String> with(List<String> arguments, String... more) {
        List<String> all = new ArrayList<>(arguments);
        all.addAll(List.of(more));
        return all;
    }

    /** The sum of the clients' verdicts. */
    private record Verdicts(int acknowledged, int inDoubt, int extra, List<String> problems) {
    }

    /** The clients and their threads. */
    private record Run(List<IncrementingClient> clients, List<Thread> threads) {

        static Run start(SampleProcess sample) {
            List<IncrementingClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                IncrementingClient client = new IncrementingClient("browser-" + (i + 1), List.of(sample));
                clients.add(client);
                Thread thread = new Thread(client, client.name());
                threads.add(thread);
                thread.start();
            }
            return new Run(clients, threads);
        }

        /** Waits until each client has an acknowledged increment more than now (through the slow store). */
        void awaitEveryClientAcknowledged() {
            for (IncrementingClient client : clients) {
                int target = client.acknowledged() + 1;
                Await.until(() -> client.acknowledged() >= target, PROGRESS_TIMEOUT, client.name() + " to make an increment");
            }
        }

        void stop() throws InterruptedException {
            clients.forEach(IncrementingClient::stop);
            for (Thread thread : threads) {
                thread.join(Duration.ofMinutes(2).toMillis());
            }
        }

        Verdicts verdicts(SampleProcess sample) {
            int acknowledged = 0;
            int inDoubt = 0;
            int extra = 0;
            List<String> problems = new ArrayList<>();
            for (IncrementingClient client : clients) {
                IncrementingClient.Verdict verdict = client.verdict(client.storedCount(sample));
                acknowledged += verdict.acknowledged();
                inDoubt += verdict.inDoubt();
                extra += verdict.extra();
                problems.addAll(verdict.problems());
            }
            return new Verdicts(acknowledged, inDoubt, extra, problems);
        }
    }
}

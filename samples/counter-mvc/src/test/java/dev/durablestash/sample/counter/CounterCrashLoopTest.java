package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.durablestash.storage.s3.InProcessS3Server;

/**
 * Crash loop: the MVC sample in a child JVM under 8 browsers that increment their counters in a loop
 * (each its own cookie jar, each logging what was acknowledged), SIGKILLed at random moments and
 * restarted on the same port and storage. Afterwards every browser's stored count must be its
 * acknowledged increments plus at most the attempts that were in doubt (a write in flight when the
 * JVM died may or may not have landed), and no acknowledged count may ever go back. On the filesystem
 * backend and on S3 (the in-process S3 test server, which the child JVM is pointed at).
 *
 * <p>{@code ./mvnw verify} runs {@value #DEFAULT_KILLS} kills per backend; the system property
 * {@value #KILLS_PROPERTY} sets another number (the long run: {@code samples/counter-mvc/crash-loop.sh},
 * 20 kills), and {@value #SEED_PROPERTY} replays the random moments of an earlier run (it prints its seed).
 */
class CounterCrashLoopTest {

    static final String KILLS_PROPERTY = "crashLoop.kills";
    static final String SEED_PROPERTY = "crashLoop.seed";
    static final int DEFAULT_KILLS = 3;
    static final int CLIENTS = 8;

    /** Generous, for a loaded 2-core machine: how long the clients may take to make progress after a start. */
    private static final Duration PROGRESS_TIMEOUT = Duration.ofMinutes(2);

    @RegisterExtension
    final SampleProcesses processes = new SampleProcesses();

    @Test
    void onTheFilesystemEveryAcknowledgedIncrementSurvivesSigkills(@TempDir Path storage) throws Exception {
        crashLoop("filesystem", SampleStorage.filesystem(storage));
    }

    @Test
    void onS3EveryAcknowledgedIncrementSurvivesSigkills() throws Exception {
        crashLoop("S3", SampleStorage.s3(InProcessS3Server.createBucket("crash-loop")));
    }

    private void crashLoop(String backend, List<String> storage) throws Exception {
        int kills = Integer.getInteger(KILLS_PROPERTY, DEFAULT_KILLS);
        long seed = Long.getLong(SEED_PROPERTY, System.nanoTime());
        Random random = new Random(seed);
        SampleProcess sample = processes.start("sample", storage);

        List<IncrementingClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            IncrementingClient client = new IncrementingClient("browser-" + (i + 1), List.of(sample));
            clients.add(client);
            Thread thread = new Thread(client, client.name());
            threads.add(thread);
            thread.start();
        }
        Duration maxRestart = Duration.ZERO;
        try {
            for (int kill = 1; kill <= kills; kill++) {
                awaitProgress(clients, CLIENTS);
                Thread.sleep(random.nextInt(1000)); // the random moment
                sample.kill();
                sample.start();
                maxRestart = max(maxRestart, sample.lastStartup());
            }
            awaitProgress(clients, CLIENTS); // and every browser works again after the last restart
            awaitEveryClientProgresses(clients);
        } finally {
            clients.forEach(IncrementingClient::stop);
            for (Thread thread : threads) {
                thread.join(Duration.ofMinutes(2).toMillis());
            }
        }

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
        System.out.printf("Crash loop (%s): %d browsers, %d SIGKILLs, %d acknowledged increments, %d lost, %d extra "
                + "(in-flight writes stored before the kill, of %d attempts in doubt), max restart %.1f s (seed %d)%n",
                backend, CLIENTS, kills, acknowledged, problems.size(), extra, inDoubt, maxRestart.toMillis() / 1000.0, seed);
        assertThat(problems).as("the clients' logs against the stored counts").isEmpty();
        assertThat(extra).as("extra increments: at most the attempts in doubt").isLessThanOrEqualTo(inDoubt);
        assertThat(acknowledged).as("acknowledged increments").isGreaterThan(kills * CLIENTS);
    }

    /** Waits until the clients together have at least {@code more} acknowledged increments more than now. */
    private static void awaitProgress(List<IncrementingClient> clients, int more) {
        int target = total(clients) + more;
        Await.until(() -> total(clients) >= target, PROGRESS_TIMEOUT, "clients to make " + more + " more increments");
    }

    private static void awaitEveryClientProgresses(List<IncrementingClient> clients) {
        for (IncrementingClient client : clients) {
            int target = client.acknowledged() + 1;
            Await.until(() -> client.acknowledged() >= target, PROGRESS_TIMEOUT, client.name() + " to make one more increment");
        }
    }

    private static int total(List<IncrementingClient> clients) {
        return clients.stream().mapToInt(IncrementingClient::acknowledged).sum();
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}

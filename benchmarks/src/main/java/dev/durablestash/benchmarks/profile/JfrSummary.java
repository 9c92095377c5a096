package dev.durablestash.benchmarks.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import org.jspecify.annotations.Nullable;

import dev.durablestash.benchmarks.Figures;

/**
 * Prints what dominates a JFR recording's execution samples: the share of each thread group, the
 * methods most often on top of the stack, and, within the engine's own threads
 * ({@code durable-stash-N}, or the threads whose names start with the third argument), the methods most
 * often anywhere on the stack (inclusive; the JDK's and Tomcat's own frames left out) and on top of their
 * stacks. With a fourth argument, samples are counted only from that many seconds after the first sample
 * of those threads: the application's startup and the first requests (class loading, the JIT's warm-up)
 * are left out. It also prints the library's own share, in any thread: the samples whose first frame
 * outside the JDK is a method of DurableStash (its engine, storage backends or starter; not the
 * benchmarks' classes, nor the tests' S3 server's), that is, the time spent in its code and in the JDK's
 * code it calls, but not in the libraries it calls (the AWS SDK, Spring). Lines start with {@code #}:
 * notes, not figures.
 */
public final class JfrSummary {

    /** How many methods each list shows: 18 unless the system property {@code jfr.top} says otherwise. */
    private static final int TOP = Integer.getInteger("jfr.top", 18);

    /** Classes in DurableStash's packages that are not the library: the benchmarks' and the tests' S3 server's. */
    private static final List<String> NOT_THE_LIBRARY = List.of("dev.durablestash.benchmarks.",
            "dev.durablestash.storage.s3.AppClients", "dev.durablestash.storage.s3.AtomicConditionalBlobStore",
            "dev.durablestash.storage.s3.BenchmarkS3", "dev.durablestash.storage.s3.BucketFaults",
            "dev.durablestash.storage.s3.FaultInjectingBlobStore", "dev.durablestash.storage.s3.FlatKeyBlobStore",
            "dev.durablestash.storage.s3.InProcessS3Server", "dev.durablestash.storage.s3.S3TestServer",
            "dev.durablestash.storage.s3.nio2blob.");

    private JfrSummary() {
    }

    /**
     * @param args the recording file, optionally a label, the name prefix of the threads to look into and
     *     the seconds to skip after those threads' first sample
     * @throws IOException if it cannot be read
     */
    public static void main(String[] args) throws IOException {
        List<RecordedEvent> events = RecordingFile.readAllEvents(Path.of(args[0]));
        String label = args.length > 1 ? args[1] : args[0];
        String threadPrefix = args.length > 2 ? args[2] : "durable-stash-";
        double skipSeconds = args.length > 3 ? Double.parseDouble(args[3]) : -1;
        List<RecordedEvent> samplesOnly = events.stream()
                .filter(event -> event.getEventType().getName().equals("jdk.ExecutionSample")
                        && event.getStackTrace() != null)
                .toList();
        Instant from = Instant.MIN;
        if (skipSeconds >= 0) {
            from = samplesOnly.stream()
                    .filter(event -> threadName(event).startsWith(threadPrefix))
                    .map(RecordedEvent::getStartTime)
                    .min(Instant::compareTo)
                    .map(first -> first.plusMillis((long) (skipSeconds * 1000)))
                    .orElse(Instant.MIN);
        }
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> selfTop = new HashMap<>();
        Map<String, Integer> engineInclusive = new HashMap<>();
        Map<String, Integer> engineSelf = new HashMap<>();
        Map<String, Integer> librarySelf = new HashMap<>();
        int librarySamples = 0;
        int samples = 0;
        int engineSamples = 0;
        for (RecordedEvent event : samplesOnly) {
            if (event.getStartTime().isBefore(from)) {
                continue;
            }
            samples++;
            String threadName = threadName(event);
            String group = threadName.replaceAll("[0-9]+", "N");
            byThread.merge(group, 1, Integer::sum);
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (!frames.isEmpty()) {
                selfTop.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
            }
            String library = libraryMethodRunning(frames);
            if (library != null) {
                librarySamples++;
                librarySelf.merge(library, 1, Integer::sum);
            }
            if (threadName.startsWith(threadPrefix)) {
                engineSamples++;
                if (!frames.isEmpty()) {
                    engineSelf.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
                }
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String method = name(frame.getMethod());
                    if (seen.add(method)) {
                        engineInclusive.merge(method, 1, Integer::sum);
                    }
                }
            }
        }
        Figures.note("profile " + label + ": " + samples + " execution samples"
                + (skipSeconds >= 0 ? " from " + skipSeconds + " s after the first sample of " + threadPrefix + "*" : ""));
        Figures.note("  by thread:");
        print(byThread, samples);
        Figures.note("  on top of the stack (self):");
        print(selfTop, samples);
        Figures.note(String.format(java.util.Locale.ROOT, "  the library's own code (and the JDK's it calls), in any"
                + " thread: %.1f%% of the samples; by method:", 100.0 * librarySamples / Math.max(1, samples)));
        print(librarySelf, samples);
        Figures.note("  in the threads " + threadPrefix + "* (" + engineSamples + " samples), inclusive:");
        Map<String, Integer> ours = new HashMap<>();
        engineInclusive.forEach((method, count) -> {
            if (!method.startsWith("java.") && !method.startsWith("jdk.") && !method.startsWith("org.apache.")) {
                ours.put(method, count);
            }
        });
        print(ours, engineSamples);
        Figures.note("  in the threads " + threadPrefix + "*, on top of the stack (self):");
        print(engineSelf, engineSamples);
    }

    /**
     * @return the first method from the top of the stack that is not the JDK's, when it is the library's;
     *     otherwise {@code null}
     */
    private static @Nullable String libraryMethodRunning(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            String type = frame.getMethod().getType().getName();
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
                continue;
            }
            boolean library = type.startsWith("dev.durablestash.") && NOT_THE_LIBRARY.stream().noneMatch(type::startsWith);
            return library ? name(frame.getMethod()) : null;
        }
        return null;
    }

    private static String threadName(RecordedEvent event) {
        RecordedThread thread = event.getThread("sampledThread");
        return thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
    }

    private static String name(RecordedMethod method) {
        String type = method.getType().getName();
        return type + "." + method.getName();
    }

    private static void print(Map<String, Integer> counts, int total) {
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(TOP)
                .forEach(entry -> Figures.note(String.format(java.util.Locale.ROOT, "    %5.1f%%  %s",
                        100.0 * entry.getValue() / Math.max(1, total), entry.getKey())));
    }
}

package dev.durablestash.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU time of a process's threads, from Linux's {@code /proc/PID/task/TID/stat}, in clock ticks
 * (10 ms each). A {@link #sample} is taken per thread; {@link #between} sums what each thread used
 * between two samples by thread group: {@code requests} (a web server's request threads), {@code gc},
 * {@code jit} (the JIT compilers) and {@code other}, each also as {@code GROUP-sys}, its system time
 * alone. A thread that ended before the second sample takes the ticks it used since the first with
 * it (the JVM starts and stops compiler threads as its queue grows and shrinks); one that started
 * counts from zero. Summing by group in each sample instead would let an ended thread make its
 * group's figure fall.
 */
public final class ThreadTicks {

    /** One thread's ticks so far; {@code name} is its name with each run of digits made {@code N}. */
    private record Used(String group, String name, long ticks, long systemTicks) {
    }

    private final Map<Long, Used> byThread;

    private ThreadTicks(Map<Long, Used> byThread) {
        this.byThread = byThread;
    }

    /**
     * @param pid a process id
     * @return the ticks each of its threads used so far; none when {@code /proc} cannot be read (not
     *     Linux, or the process ended)
     */
    public static ThreadTicks sample(long pid) {
        Map<Long, Used> byThread = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String[] fields = stat.substring(close + 2).split(" ");
                long user = Long.parseLong(fields[11]);
                long system = Long.parseLong(fields[12]);
                String name = stat.substring(open + 1, close);
                byThread.put(Long.parseLong(task.getFileName().toString()),
                        new Used(group(name), name.replaceAll("[0-9]+", "N"), user + system, system));
            }
        } catch (IOException e) {
            return new ThreadTicks(Map.of());
        }
        return new ThreadTicks(byThread);
    }

    /** @return the ticks of this process's threads so far */
    public static ThreadTicks sampleThisProcess() {
        return sample(ProcessHandle.current().pid());
    }

    /**
     * @param prefix the start of thread names (as Linux keeps them: their first 15 characters)
     * @return this sample without the threads whose names start with {@code prefix}
     */
    public ThreadTicks excludingNames(String prefix) {
        String namePrefix = prefix.replaceAll("[0-9]+", "N"); // as the sample keeps names
        Map<Long, Used> kept = new HashMap<>(byThread);
        kept.values().removeIf(used -> used.name.startsWith(namePrefix));
        return new ThreadTicks(kept);
    }

    /**
     * @param before an earlier sample of the same process
     * @param after a later one
     * @return the ticks (user plus system) used between the two by each group, and the system ticks
     *     as {@code GROUP-sys}, of the threads alive at {@code after}
     */
    public static Map<String, Long> between(ThreadTicks before, ThreadTicks after) {
        Map<String, Long> used = new TreeMap<>();
        after.byThread.forEach((tid, now) -> {
            Used then = before.byThread.get(tid);
            boolean same = then != null && then.group.equals(now.group); // a reused thread id is another thread
            used.merge(now.group, now.ticks - (same ? then.ticks : 0), Long::sum);
            used.merge(now.group + "-sys", now.systemTicks - (same ? then.systemTicks : 0), Long::sum);
        });
        return used;
    }

    /**
     * @param before an earlier sample of the same process
     * @param after a later one
     * @return the ticks (user plus system) used between the two by the threads alive at {@code after},
     *     summed by name with each run of digits made {@code N} (Linux keeps a thread's first 15
     *     characters), e.g. {@code bench-caller-N}
     */
    public static Map<String, Long> byName(ThreadTicks before, ThreadTicks after) {
        Map<String, Long> used = new TreeMap<>();
        after.byThread.forEach((tid, now) -> {
            Used then = before.byThread.get(tid);
            boolean same = then != null && then.name.equals(now.name);
            used.merge(now.name, now.ticks - (same ? then.ticks : 0), Long::sum);
        });
        return used;
    }

    /**
     * @param used CPU time by group in any one unit: ticks from {@link #between}, sums of them, or nanoseconds
     * @param group a group
     * @return the group's share of all the ticks (0 when there are none)
     */
    public static double share(Map<String, Long> used, String group) {
        long all = used.entrySet().stream().filter(e -> !e.getKey().endsWith("-sys")).mapToLong(Map.Entry::getValue).sum();
        return all <= 0 ? 0 : (double) used.getOrDefault(group, 0L) / all;
    }

    private static String group(String thread) {
        if (thread.startsWith("http-nio") || thread.startsWith("reactor-http")) {
            return "requests";
        }
        if (thread.startsWith("GC Thread") || thread.startsWith("G1 ") || thread.startsWith("VM Thread")) {
            return "gc";
        }
        if (thread.contains("Compiler")) {
            return "jit";
        }
        return "other";
    }
}

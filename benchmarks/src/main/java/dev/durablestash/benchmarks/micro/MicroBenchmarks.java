package dev.durablestash.benchmarks.micro;

import java.util.Collection;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import dev.durablestash.benchmarks.Figures;

/**
 * Runs {@link InMemoryEngineBenchmark} with JMH (one fork, GC profiler) and prints
 * {@code inmemory_stash_per_s}, {@code inmemory_recover_per_s} and the allocation per operation.
 */
public final class MicroBenchmarks {

    private MicroBenchmarks() {
    }

    /**
     * @param args optional: a scale factor for the iteration time (default 1: 2 s iterations)
     * @throws Exception if JMH fails
     */
    public static void main(String[] args) throws Exception {
        double scale = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        TimeValue iteration = TimeValue.milliseconds((long) (2000 * scale));
        Options options = new OptionsBuilder()
                .include(InMemoryEngineBenchmark.class.getName())
                .forks(1)
                .warmupIterations(2)
                .warmupTime(iteration)
                .measurementIterations(3)
                .measurementTime(iteration)
                .jvmArgsAppend("-Xmx1g")
                .addProfiler(GCProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(options).run();
        for (RunResult result : results) {
            String method = result.getParams().getBenchmark();
            String name = method.substring(method.lastIndexOf('.') + 1);
            Result<?> primary = result.getPrimaryResult();
            Figures.print("inmemory_" + name + "_per_s", primary.getScore(), name.equals("stash") ? "stashes/s" : "recovers/s");
            Result<?> allocation = result.getSecondaryResults().get("gc.alloc.rate.norm");
            if (allocation != null) {
                Figures.print("alloc_bytes_per_" + name, allocation.getScore(), "bytes/op");
            }
        }
    }
}

/**
 * The benchmark suite (run by {@code benchmarks/run.sh}, never by the build's tests): each main class
 * prints its figures as lines {@code name value unit} through {@link dev.durablestash.benchmarks.Figures}.
 */
@NullMarked
package dev.durablestash.benchmarks;

import org.jspecify.annotations.NullMarked;

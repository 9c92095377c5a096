/** A summary of a JFR recording of a benchmark: where the CPU samples fell. */
@NullMarked
package dev.durablestash.benchmarks.profile;

import org.jspecify.annotations.NullMarked;

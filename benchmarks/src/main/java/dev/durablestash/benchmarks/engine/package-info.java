/** Whole-engine benchmarks: S3 figures against the tests' in-process S3Proxy, memory and request counts. */
@NullMarked
package dev.durablestash.benchmarks.engine;

import org.jspecify.annotations.NullMarked;

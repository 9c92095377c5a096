/** JMH micro benchmarks of the engine on the in-memory backend, and a runner that prints their figures. */
@NullMarked
package dev.durablestash.benchmarks.micro;

import org.jspecify.annotations.NullMarked;

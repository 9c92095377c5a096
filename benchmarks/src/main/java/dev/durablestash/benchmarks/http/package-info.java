/**
 * Whole-app HTTP benchmarks: a load driver ({@link dev.durablestash.benchmarks.http.LoadDriver}) and the
 * counter apps it compares, each a Spring Boot MVC app serving {@code POST /increment} (the new count as
 * text): on DurableStash ({@code stash}), and on Spring Session with {@code MapSessionRepository}
 * ({@code map}) or with Redis ({@code redis}).
 */
@NullMarked
package dev.durablestash.benchmarks.http;

import org.jspecify.annotations.NullMarked;

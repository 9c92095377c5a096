/** The counter kept in the servlet {@code HttpSession}, shared by the Spring Session comparison apps. */
@NullMarked
package dev.durablestash.benchmarks.http.session;

import org.jspecify.annotations.NullMarked;

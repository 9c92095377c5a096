/**
 * Spring Boot auto-configuration that makes the in-memory backend the storage of tests that
 * configure none.
 */
@NullMarked
package dev.durablestash.testing.autoconfigure;

import org.jspecify.annotations.NullMarked;

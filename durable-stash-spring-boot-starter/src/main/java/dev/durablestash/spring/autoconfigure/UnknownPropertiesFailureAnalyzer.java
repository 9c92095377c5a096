package dev.durablestash.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

import dev.durablestash.spring.autoconfigure.UnknownPropertiesCheck.Unknown;
import dev.durablestash.spring.autoconfigure.UnknownPropertiesCheck.UnknownProperties;

/**
 * Reports the names under the starter's prefixes that are no property (see {@link UnknownPropertiesCheck}):
 * each name, where it is set and the nearest property, one per line, never a value (a misspelled secret's
 * name holds a secret).
 *
 * <p><b>Thread-safety:</b> used once, on the thread that reports the startup failure.
 */
final class UnknownPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnknownProperties> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnknownProperties cause) {
        StringBuilder description = new StringBuilder("DurableStash has no configuration property of these names, "
                + "which Spring Boot would ignore without a word (their values are not shown):");
        for (Unknown unknown : cause.unknown()) {
            description.append(System.lineSeparator()).append("    - ").append(unknown.describe());
        }
        return new FailureAnalysis(description.toString(), UnknownProperties.ACTION, cause);
    }
}

package dev.durablestash.testsupport;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a Testcontainers test class only when a Docker engine answers, and otherwise skips it with
 * one line on standard output that names the class and says why. Testcontainers' own report of the
 * missing engine (an ERROR with every strategy it tried) is switched off in {@code logback-test.xml},
 * so this line is all a build without Docker prints about it.
 *
 * <p>Use {@code @ExtendWith(RequiresDocker.class)} together with {@code @Testcontainers} (without
 * {@code disabledWithoutDocker}, which would skip silently).
 */
public final class RequiresDocker implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return ConditionEvaluationResult.enabled("a Docker engine is available");
        }
        String reason = "no Docker engine answered (Testcontainers looked for DOCKER_HOST and /var/run/docker.sock), "
                + "so the tests that need a container are skipped";
        if (context.getTestMethod().isEmpty()) { // once for the class; its methods are then skipped unasked
            System.out.println("Skipped " + context.getRequiredTestClass().getSimpleName() + ": " + reason);
        }
        return ConditionEvaluationResult.disabled(reason);
    }
}

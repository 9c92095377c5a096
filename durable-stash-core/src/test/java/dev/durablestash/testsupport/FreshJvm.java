package dev.durablestash.testsupport;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a class's {@code main} in a new JVM on this JVM's class path: for what only a JVM that has not run the
 * code before shows, such as a JDK thread that the first use of an API starts and keeps for the JVM's life
 * (in the test JVM another test may have started it already).
 */
public final class FreshJvm {

    /** What the JVM left: its exit code and its standard output and error, interleaved. */
    public record Result(int exitCode, String output) {
    }

    private FreshJvm() {
    }

    /**
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the exit code and output, once the JVM ended
     * @throws AssertionError when the JVM has not ended within a minute (it is then killed)
     */
    public static Result run(Class<?> main, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        File output = File.createTempFile("fresh-jvm", ".txt");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(main.getName() + " did not end within 60 s: "
                        + Files.readString(output.toPath(), StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(output.toPath(), StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output.toPath());
        }
    }
}

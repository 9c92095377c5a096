package com.example.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Java code block of README.md and docs/*.md is a source file of this module, word for word
 * (the file adds only its package line), so the examples are compiled and run by this module's tests
 * and cannot drift from what they show. A block that no file matches fails the build, naming the
 * Markdown file and line.
 */
class CodeBlocksMatchSourcesTests {

    private static final Pattern PACKAGE_LINE = Pattern.compile("\\Apackage [\\w.]+;\\n\\n");

    private final Path root = Path.of(System.getProperty("docs.root", "..")).toAbsolutePath().normalize();

    @Test
    void everyJavaBlockOfTheReadmeAndTheDocsIsASourceFileOfThisModule() throws IOException {
        Map<String, Path> sources = sources();
        List<Block> blocks = new ArrayList<>();
        for (Path markdown : markdownFiles()) {
            blocks.addAll(javaBlocks(markdown));
        }
        assertThat(blocks.stream().filter((b) -> b.file().endsWith("README.md")).count())
                .as("Java blocks in README.md").isGreaterThanOrEqualTo(4);
        List<String> unmatched = new ArrayList<>();
        for (Block block : blocks) {
            if (!sources.containsKey(block.code())) {
                unmatched.add(root.relativize(block.file()) + ":" + block.line() + "\n" + block.code());
            }
        }
        assertThat(unmatched).as("Java blocks that match no source file of docs-examples (add the file, or fix the "
                + "block; the file is the block plus its package line)").isEmpty();
    }

    @Test
    void everyJavaBlockShowsItsImports() throws IOException {
        for (Path markdown : markdownFiles()) {
            for (Block block : javaBlocks(markdown)) {
                assertThat(block.code()).as(root.relativize(block.file()) + ":" + block.line()).startsWith("import ");
            }
        }
    }

    private List<Path> markdownFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter((p) -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** @return the source files of this module, without their package line, by content */
    private Map<String, Path> sources() throws IOException {
        Map<String, Path> sources = new HashMap<>();
        for (String tree : new String[] { "src/main/java", "src/test/java" }) {
            try (Stream<Path> files = Files.walk(root.resolve("docs-examples").resolve(tree))) {
                for (Path file : files.filter((p) -> p.toString().endsWith(".java")).toList()) {
                    String content = Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
                    sources.put(PACKAGE_LINE.matcher(content).replaceFirst("").stripTrailing(), file);
                }
            }
        }
        return sources;
    }

    private static List<Block> javaBlocks(Path markdown) throws IOException {
        List<String> lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```java")) {
                int start = i + 1;
                int end = start;
                while (end < lines.size() && !lines.get(end).strip().equals("```")) {
                    end++;
                }
                blocks.add(new Block(markdown, start + 1, String.join("\n", lines.subList(start, end)).stripTrailing()));
                i = end;
            }
        }
        return blocks;
    }

    private record Block(Path file, int line, String code) {
    }
}

package dev.durablestash.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.durablestash.spring.web.reactive.declarations.rvcumlaut.Zähler;
import dev.durablestash.spring.web.reactive.declarations.rvcumlaut.ZählerRoutes;

/** The class-name constant the scan looks for in a class file that uses StashedRoutes. */
class StashedClassScannerConstantTests {

    @Test
    void aNonAsciiClassNameIsLookedForAsTheClassFileEncodesIt() throws IOException {
        String internalName = Zähler.class.getName().replace('.', '/');
        String classFile;
        try (InputStream in = ZählerRoutes.class.getResourceAsStream("ZählerRoutes.class")) {
            classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        String constant = StashedClassScanner.Scan.constant(internalName);
        assertThat(constant.charAt(0) << 8 | constant.charAt(1)).as("the byte count, not the char count")
                .isEqualTo(internalName.getBytes(StandardCharsets.UTF_8).length)
                .isGreaterThan(internalName.length());
        assertThat(classFile).contains(constant);
    }

    @Test
    void charactersOutsideTheBasicPlaneAndNulAreEncodedAsModifiedUtf8() {
        assertThat(StashedClassScanner.Scan.constant("a\0")).isEqualTo("\0\3a\u00C0\u0080");
        String emoji = StashedClassScanner.Scan.constant("\uD83D\uDE00"); // one code point, two chars
        assertThat(emoji).hasSize(2 + 6).startsWith("\0\6").contains("\u00ED\u00A0\u00BD");
    }
}

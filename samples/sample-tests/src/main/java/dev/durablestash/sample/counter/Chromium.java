package dev.durablestash.sample.counter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, driven by Selenium through the system chromedriver. Both paths are given
 * explicitly, so Selenium Manager never runs and nothing is downloaded; the browser's own background
 * traffic is switched off and it resolves no host names, so it reaches nothing but the app on
 * loopback. Tests that need it skip themselves when it is not {@link #INSTALLED}.
 */
final class Chromium {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    static final boolean INSTALLED = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    static final String NOT_INSTALLED = "Skipping the real-browser tests: they need Debian's chromium and "
            + "chromium-driver at " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install chromium chromium-driver; .ci/run installs them)";

    private Chromium() {
    }

    /**
     * Starts headless Chromium through the system chromedriver, never through Selenium Manager.
     * The browser's own background traffic is off and it resolves no host names: it reaches only
     * the app on loopback.
     *
     * @param profile the browser's user data directory
     * @param javaScript whether pages may run scripts
     */
    static WebDriver start(Path profile, boolean javaScript) {
        ChromeDriverService driverService = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions",
                "--disable-domain-reliability", "--no-pings",
                "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
                "--window-size=1000,1100", "--hide-scrollbars",
                "--user-data-dir=" + profile);
        if (!javaScript) {
            options.setExperimentalOption("prefs", Map.of("profile.managed_default_content_settings.javascript", 2));
        }
        return new ChromeDriver(driverService, options);
    }

    /** Deletes a browser profile directory, as far as it can: a browser helper process may still be writing to it. */
    static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: it is a temporary directory
        }
    }
}

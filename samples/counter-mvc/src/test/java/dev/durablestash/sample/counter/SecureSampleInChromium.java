package dev.durablestash.sample.counter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sample in its {@code secure} profile (Spring Security form login, CSRF on) on filesystem
 * storage, driven by one headless Chromium per test class. Nothing starts on a machine without
 * Chromium; the tests then skip themselves ({@link Chromium#INSTALLED}).
 */
abstract class SecureSampleInChromium {

    static final Duration PATIENCE = Duration.ofSeconds(30);

    @TempDir
    static Path storage;

    static SampleApp app;
    static WebDriver browser;
    static Path browserProfile;

    @BeforeAll
    static void startAppAndBrowser() throws IOException {
        if (!Chromium.INSTALLED) {
            return;
        }
        app = SampleApp.startWith(CounterMvcApplication.class, List.of("durable-stash.storage.type=filesystem",
                "durable-stash.storage.filesystem.directory=" + storage, "spring.profiles.active=secure"));
        browserProfile = Files.createTempDirectory("counter-mvc-secure-chromium-");
        browser = Chromium.start(browserProfile, true);
    }

    @AfterAll
    static void stopBrowserAndApp() {
        if (browser != null) {
            browser.quit();
            browser = null;
        }
        if (app != null) {
            app.close();
            app = null;
        }
        if (browserProfile != null) {
            Chromium.deleteQuietly(browserProfile);
            browserProfile = null;
        }
    }

    /** Fills in the login form the browser is on (or is redirected to) and waits until it left it. */
    static void logIn(String username, String password) {
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlContains("/login"));
        browser.findElement(By.id("username")).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.not(ExpectedConditions.urlContains("/login")));
    }
}

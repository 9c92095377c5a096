package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sample in a real headless browser: Debian's Chromium driven by Selenium through the system
 * chromedriver. Both paths are given explicitly, so Selenium Manager never runs and nothing is
 * downloaded; the browser's own background traffic is switched off and it resolves no host names,
 * so it reaches nothing but the app on loopback. Without the two binaries every test here is
 * skipped with a message saying so.
 *
 * <p>One app and one browser for the class; every test starts with an empty cookie jar (a new
 * browser session) and one tab. Each page the tests reach in a telling state is saved as a PNG
 * under {@code target/screenshots/}, for a reviewer to look at.
 */
class CounterBrowserEndToEndTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    static final boolean BROWSER_INSTALLED = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    static final String NO_BROWSER = "Skipping the real-browser tests: they need Debian's chromium and "
            + "chromium-driver at " + CHROMIUM + " and " + CHROMEDRIVER
            + " (apt-get install chromium chromium-driver; .ci/run installs them)";
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path storage;

    static SampleApp app;
    static WebDriver browser;
    static Path browserProfile;

    @BeforeAll
    static void startAppAndBrowser() throws IOException {
        if (!BROWSER_INSTALLED) {
            System.err.println(NO_BROWSER); // and every test reports itself skipped with this message
            return;
        }
        app = SampleApp.start(storage);
        browserProfile = Files.createTempDirectory("counter-mvc-chromium-");
        browser = startChromium(browserProfile, true);
    }

    /**
     * Starts headless Chromium through the system chromedriver, never through Selenium Manager.
     * The browser's own background traffic is off and it resolves no host names: it reaches only
     * the app on loopback.
     */
    static WebDriver startChromium(Path profile, boolean javaScript) {
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

    @AfterAll
    static void stopBrowserAndApp() {
        if (browser != null) {
            browser.quit();
        }
        if (app != null) {
            app.close();
        }
        if (browserProfile != null) {
            deleteQuietly(browserProfile); // not a @TempDir: a browser helper process may still be writing to it
        }
    }

    @BeforeEach
    void newBrowserSessionInOneTab() {
        assumeTrue(BROWSER_INSTALLED, NO_BROWSER);
        List<String> tabs = List.copyOf(browser.getWindowHandles());
        for (int i = 1; i < tabs.size(); i++) {
            browser.switchTo().window(tabs.get(i)).close();
        }
        browser.switchTo().window(tabs.get(0));
        browser.get(app.baseUrl() + "/sample.css"); // on the app's origin, so its cookies can be deleted
        browser.manage().deleteAllCookies();
    }

    @Test
    void countOfThreeClicksSurvivesARestartAndAReload() {
        open("/");
        waitForText("count", "0");
        assertThat(browser.findElement(By.id("recovery-status")).getText()).startsWith("Nothing stored yet");
        assertThat(browser.findElement(By.id("last-write")).getText()).isEqualTo("none since the app started");
        screenshot(browser, "counter-nothing-stored-yet");
        ((JavascriptExecutor) browser).executeScript("document.body.dataset.loadedOnce = 'yes'");
        for (int i = 1; i <= 3; i++) {
            browser.findElement(By.id("increment")).click();
            waitForText("count", Integer.toString(i));
        }
        assertThat(browser.findElement(By.tagName("body")).getDomAttribute("data-loaded-once"))
                .as("htmx swapped the count in; the page was not reloaded").isEqualTo("yes");

        new WebDriverWait(browser, PATIENCE).withMessage("the engine panel refreshed itself after the script requests")
                .until(ExpectedConditions.textMatches(By.id("last-write"), Pattern.compile("\\d+\\.\\d ms")));
        screenshot(browser, "counter-after-three-clicks");

        app.restart();
        browser.navigate().refresh();

        waitForText("count", "3");
        assertThat(browser.findElement(By.id("recovery-status")).getText()).startsWith("Recovered from storage");
        assertThat(browser.findElement(By.id("storage-location")).getText()).isEqualTo(storage.toString());
        screenshot(browser, "counter-recovered-after-restart");
    }

    @Test
    void clearingCookiesStartsFromDefaults() {
        open("/");
        browser.findElement(By.id("increment")).click();
        waitForText("count", "1");
        setUsername("ada");

        browser.manage().deleteAllCookies();
        browser.navigate().refresh();

        waitForText("count", "0");
        assertThat(browser.findElement(By.id("username")).getText()).isEmpty();
    }

    @Test
    void twoTabsEditingDifferentFieldsKeepBoth() {
        open("/");
        String first = browser.getWindowHandle();
        browser.switchTo().newWindow(WindowType.TAB);
        open("/");
        String second = browser.getWindowHandle();

        browser.switchTo().window(first);
        browser.findElement(By.id("increment")).click();
        waitForText("count", "1");

        browser.switchTo().window(second); // still shows count 0
        setUsername("ada");
        waitForText("count", "1");

        browser.switchTo().window(first); // still shows no username
        browser.findElement(By.id("increment")).click();
        waitForText("count", "2");

        browser.switchTo().window(second);
        setUsername("grace");

        browser.switchTo().window(first);
        browser.navigate().refresh();
        waitForText("count", "2");
        waitForText("username", "grace");
    }

    @Test
    void draftSurvivesARestartWhileThePageStaysOpenAndIsBlankAfterNavigatingAway() {
        open("/compose");
        assertThat(browser.findElements(By.id("noscript-hint"))).as("JavaScript is on").isEmpty();
        WebElement draft = browser.findElement(By.id("draft"));
        assertThat(draft.getDomProperty("value")).isEmpty();

        draft.sendKeys("Typed before the restart.");
        waitForText("draft-status", "Draft saved (25 characters)");

        app.restart();
        assertThat(draftAsTheOpenPageRejoins())
                .as("recovered by a rejoin after the restart").isEqualTo("Typed before the restart.");

        draft.sendKeys(" And after it.");
        waitForText("draft-status", "Draft saved (39 characters)");
        screenshot(browser, "compose-draft-saved-after-restart");
        assertThat(draft.getDomProperty("value")).isEqualTo("Typed before the restart. And after it.");
        assertThat(draftAsTheOpenPageRejoins()).isEqualTo("Typed before the restart. And after it.");

        browser.findElement(By.id("nav-counter")).click();
        waitForText("count", "0");
        browser.findElement(By.id("nav-compose")).click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlToBe(app.baseUrl() + "/compose"));
        assertThat(browser.findElement(By.id("draft")).getDomProperty("value")).isEmpty();
        assertThat(draftAsTheOpenPageRejoins()).as("cleared in storage by the fresh mount").isEmpty();
    }

    @Test
    void savingTheDraftWithTheFormKeepsItOnThePage() {
        open("/compose");
        browser.findElement(By.id("draft")).sendKeys("Saved with the button");
        browser.findElement(By.id("save-draft")).click();

        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlContains("_mounts=1"));
        assertThat(browser.findElement(By.id("draft")).getDomProperty("value")).isEqualTo("Saved with the button");
    }

    static void deleteQuietly(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: it is a temporary directory
        }
    }

    /** The whole draft flow with JavaScript switched off: plain form posts, the form's own hidden {@code _mounts}. */
    @Test
    void draftFlowWorksWithoutJavaScript() throws IOException {
        Path profile = Files.createTempDirectory("counter-mvc-chromium-noscript-");
        WebDriver noScript = startChromium(profile, false);
        try {
            noScript.get(app.baseUrl() + "/compose");
            assertThat(noScript.findElement(By.id("noscript-hint")).isDisplayed()).as("JavaScript is off").isTrue();
            noScript.findElement(By.id("draft")).sendKeys("Typed without scripts.");
            noScript.findElement(By.id("save-draft")).click();
            new WebDriverWait(noScript, PATIENCE).until(ExpectedConditions.urlToBe(app.baseUrl() + "/compose?_mounts=1"));
            assertThat(noScript.findElement(By.id("draft")).getDomProperty("value")).isEqualTo("Typed without scripts.");

            app.restart();
            WebElement draft = noScript.findElement(By.id("draft"));
            draft.sendKeys(Keys.END, " Still none.");
            noScript.findElement(By.id("save-draft")).click();
            new WebDriverWait(noScript, PATIENCE).until(ExpectedConditions.stalenessOf(draft));
            assertThat(noScript.findElement(By.id("draft")).getDomProperty("value"))
                    .isEqualTo("Typed without scripts. Still none.");

            noScript.navigate().refresh();
            assertThat(noScript.findElement(By.id("draft")).getDomProperty("value"))
                    .as("reloading the rejoined page keeps the draft").isEqualTo("Typed without scripts. Still none.");
            screenshot(noScript, "compose-without-javascript");

            noScript.findElement(By.id("nav-counter")).click();
            new WebDriverWait(noScript, PATIENCE).until(ExpectedConditions.textToBe(By.id("count"), "0"));
            noScript.findElement(By.id("increment")).click();
            new WebDriverWait(noScript, PATIENCE).until(ExpectedConditions.textToBe(By.id("count"), "1"));
            noScript.findElement(By.id("nav-compose")).click();
            new WebDriverWait(noScript, PATIENCE).until(ExpectedConditions.urlToBe(app.baseUrl() + "/compose"));
            assertThat(noScript.findElement(By.id("draft")).getDomProperty("value")).isEmpty();
        } finally {
            noScript.quit();
            deleteQuietly(profile);
        }
    }

    /** Saves what {@code driver} shows as {@code target/screenshots/NAME.png}. */
    private static void screenshot(WebDriver driver, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Files.write(SCREENSHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the screenshot " + name, e);
        }
    }

    private static void open(String path) {
        browser.get(app.baseUrl() + path);
    }

    private static void setUsername(String username) {
        WebElement input = browser.findElement(By.id("username-input"));
        input.clear();
        input.sendKeys(username);
        browser.findElement(By.id("save-username")).click();
        waitForText("username", username);
    }

    private static void waitForText(String id, String text) {
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.textToBe(By.id(id), text));
    }

    /**
     * Asks the server for the compose page the way the open page's own scripts would: a
     * {@code fetch} from the page, which {@code /durable-stash.js} marks as a rejoin. Answers the
     * draft the server recovered, without changing what is on screen.
     */
    private static String draftAsTheOpenPageRejoins() {
        Object draft = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/compose')
                  .then((response) => response.ok ? response.text() : Promise.reject(new Error('HTTP ' + response.status)))
                  .then((html) => done(new DOMParser().parseFromString(html, 'text/html').getElementById('draft').value))
                  .catch((error) => done('fetch failed: ' + error.message));
                """);
        return String.valueOf(draft);
    }
}

package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A counter sample in a real headless browser: Debian's {@link Chromium} driven by Selenium through
 * the system chromedriver. Without the two binaries every test here is skipped with a message
 * saying so. Each sample runs this suite with a concrete subclass that names its application class
 * ({@link SampleUnderTest}).
 *
 * <p>One app and one browser for the class; every test starts with an empty cookie jar (a new
 * browser session) and one tab. Each page the tests reach in a telling state is saved as a PNG
 * under {@code target/screenshots/}, for a reviewer to look at.
 */
abstract class CounterBrowserEndToEndSuite {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    static Path storage;

    static SampleApp app;
    static WebDriver browser;
    static Path browserProfile;

    @BeforeAll
    static void startAppAndBrowser(TestInfo test) throws IOException {
        if (!Chromium.INSTALLED) {
            System.err.println(Chromium.NOT_INSTALLED); // and every test reports itself skipped with this message
            return;
        }
        app = SampleApp.start(SampleApp.applicationOf(test.getTestClass().orElseThrow()), storage);
        browserProfile = Files.createTempDirectory("counter-chromium-");
        browser = Chromium.start(browserProfile, true);
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
            Chromium.deleteQuietly(browserProfile); // not a @TempDir: a browser helper process may still be writing to it
        }
    }

    @BeforeEach
    void newBrowserSessionInOneTab() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
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

    /** The whole draft flow with JavaScript switched off: plain form posts, the form's own hidden {@code _mounts}. */
    @Test
    void draftFlowWorksWithoutJavaScript() throws IOException {
        Path profile = Files.createTempDirectory("counter-chromium-noscript-");
        WebDriver noScript = Chromium.start(profile, false);
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
            new WebDriverWait(noScript, PATIENCE).until((driver) -> isGone(draft));
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
            Chromium.deleteQuietly(profile);
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

    /**
     * @return whether {@code element} left the document: Selenium's {@code stalenessOf}, plus the
     *     error chromedriver sometimes answers instead of a stale element reference when the page was
     *     replaced while it looked ("Node with given id does not belong to the document")
     */
    private static boolean isGone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (StaleElementReferenceException e) {
            return true;
        } catch (WebDriverException e) {
            if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }
}

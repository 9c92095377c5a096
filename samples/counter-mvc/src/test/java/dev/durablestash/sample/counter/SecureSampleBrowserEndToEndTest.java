package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The sample's "secure" profile in headless Chromium: Spring Security's form login and CSRF
 * protection. The compose page's save-as-you-type (fetch POSTs) carries the CSRF token that
 * {@code /durable-stash.js} takes from the page's meta tags; logout ends the browser session, so the
 * next user of the same browser sees defaults.
 */
class SecureSampleBrowserEndToEndTest extends SecureSampleInChromium {

    @Test
    void composeAutosaveWorksWithCsrfAndTheNextUserAfterLogoutSeesDefaults() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        browser.get(app.baseUrl() + "/");
        logIn("ada", "ada");
        waitForText("count", "0");
        browser.findElement(By.id("increment")).click(); // htmx post with the CSRF token
        waitForText("count", "1");
        WebElement input = browser.findElement(By.id("username-input"));
        input.clear();
        input.sendKeys("ada");
        browser.findElement(By.id("save-username")).click(); // a plain form post: Thymeleaf's hidden _csrf
        waitForText("username", "ada");

        browser.findElement(By.id("nav-compose")).click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlToBe(app.baseUrl() + "/compose"));
        browser.findElement(By.id("draft")).sendKeys("Dear Bob,");
        waitForText("draft-status", "Draft saved (9 characters)"); // was "Not saved (HTTP 403)" without the token
        Cookie adasSid = browser.manage().getCookieNamed("sid");
        assertThat(adasSid).isNotNull();

        browser.get(app.baseUrl() + "/logout");
        browser.findElement(By.cssSelector("button[type=submit]")).click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlContains("/login"));
        assertThat(browser.manage().getCookieNamed("sid")).as("the sid cookie is cleared at logout").isNull();

        logIn("bob", "bob");
        waitForText("count", "0");
        assertThat(browser.findElement(By.id("username")).getText()).isEmpty();
        assertThat(browser.manage().getCookieNamed("sid").getValue()).isNotEqualTo(adasSid.getValue());
    }

    private static void waitForText(String id, String text) {
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.textToBe(By.id(id), text));
    }
}

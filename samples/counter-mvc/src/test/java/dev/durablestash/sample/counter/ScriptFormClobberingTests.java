package dev.durablestash.sample.counter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;

/**
 * {@code /durable-stash.js} judges where and how a form is submitted from the form's real action
 * and method. A form control's name becomes a property of its form ({@code form.action},
 * {@code form.method}, {@code form.querySelector} ...) and hides the built-in one, so a form field
 * named like one of them must change neither the origin the script sees nor the fields it adds.
 */
class ScriptFormClobberingTests extends SecureSampleInChromium {

    /**
     * Builds a POST form in the page with the given action and one text field, submits it by
     * clicking its button, and answers the form's fields as the browser would send them
     * ({@code name=value&...}), the submission itself being cancelled.
     */
    private static final String SUBMIT_FORM = """
            var form = document.createElement('form');
            form.setAttribute('method', 'post');
            form.setAttribute('action', arguments[0]);
            var field = document.createElement('input');
            field.name = arguments[1];
            field.value = 'x';
            form.appendChild(field);
            var button = document.createElement('button');
            button.type = 'submit';
            Node.prototype.appendChild.call(form, button); // form.appendChild may be the field
            document.body.appendChild(form);
            var sent = null;
            form.addEventListener('submit', function (event) {
              event.preventDefault();
              var fields = Element.prototype.querySelectorAll.call(form, 'input'); // so may this
              sent = [].map.call(fields, function (i) { return i.name + '=' + i.value; }).join('&');
            });
            button.click();
            return sent;
            """;

    /** Builds a form with one field named {@code arguments[0]}, sends it to its origin, then to another. */
    private static final String SUBMIT_TWICE = """
            var form = document.createElement('form');
            form.setAttribute('method', 'post');
            form.setAttribute('action', '/somewhere');
            form.setAttribute('target', '_blank');
            var field = document.createElement('input');
            field.name = arguments[0];
            field.value = 'x';
            Node.prototype.appendChild.call(form, field);
            var same = document.createElement('button');
            same.type = 'submit';
            Node.prototype.appendChild.call(form, same);
            var other = document.createElement('button');
            other.type = 'submit';
            other.setAttribute('formaction', 'https://evil.example/collect');
            Node.prototype.appendChild.call(form, other);
            document.body.appendChild(form);
            var sent = [];
            form.addEventListener('submit', function (event) {
              event.preventDefault();
              var fields = Element.prototype.querySelectorAll.call(form, 'input');
              sent.push([].map.call(fields, function (i) { return i.name + '=' + i.value; }).join('&'));
            });
            same.click();
            other.click();
            return sent.join(' | ');
            """;

    @Test
    void aCrossOriginFormWithAFieldNamedActionGetsNeitherTheCsrfTokenNorMounts() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        assertThat(submit("https://evil.example/collect", "email"))
                .as("a form posting to another origin").isEqualTo("email=x");
        assertThat(submit("https://evil.example/collect", "action"))
                .as("a form posting to another origin, with a field named 'action'").isEqualTo("action=x");
    }

    @Test
    void aSameOriginPostFormWithAFieldNamedMethodGetsTheCsrfToken() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        assertThat(submit("/somewhere", "method"))
                .as("a same-origin POST form with a field named 'method'")
                .isEqualTo("method=x&_mounts=1&_csrf=" + csrfToken());
    }

    @Test
    void fieldsNamedLikeTheFormsMethodsDoNotStopTheScript() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        for (String name : new String[] { "querySelector", "appendChild" }) {
            assertThat(submit("/somewhere", name))
                    .as("a same-origin POST form with a field named '%s'", name)
                    .isEqualTo(name + "=x&_mounts=1&_csrf=" + csrfToken());
        }
    }

    /**
     * A form whose page stays (target=_blank) is sent to its own origin, then, through a button's
     * formaction, to another: the fields added for the first are removed before the second, also when a
     * field is named like the form's removeChild (seen failing before: the removal threw, and the second
     * submission took the page's CSRF token to the other origin).
     */
    @Test
    void theFieldsAddedForASameOriginSubmissionAreRemovedBeforeACrossOriginOne() {
        assumeTrue(Chromium.INSTALLED, Chromium.NOT_INSTALLED);
        openHomePageLoggedIn();

        for (String name : new String[] { "email", "removeChild" }) {
            assertThat(((JavascriptExecutor) browser).executeScript(SUBMIT_TWICE, name))
                    .as("a form with a field named '%s', sent to its origin and then to another", name)
                    .isEqualTo(name + "=x&_mounts=1&_csrf=" + csrfToken() + " | " + name + "=x");
        }
    }

    private static Object submit(String action, String fieldName) {
        return ((JavascriptExecutor) browser).executeScript(SUBMIT_FORM, action, fieldName);
    }

    private static String csrfToken() {
        return browser.findElement(By.cssSelector("meta[name=_csrf]")).getAttribute("content");
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

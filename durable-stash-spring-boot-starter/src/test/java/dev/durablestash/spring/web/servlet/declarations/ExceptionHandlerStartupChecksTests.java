package dev.durablestash.spring.web.servlet.declarations;

import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashServletAutoConfiguration;
import dev.durablestash.spring.web.servlet.BrowserSession;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code @ExceptionHandler} method runs when a handler failed, and nothing is stashed for a handler that
 * failed, also when an exception handler answers: a view, a view inside another type or a {@code Stash} it
 * takes (a per-browser error log, say) would start and silently never store what it changes, so it fails
 * startup, naming the method (and the advice bean), for the controller's own exception handlers and those of
 * a {@code @ControllerAdvice} bean.
 */
class ExceptionHandlerStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
                    DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aViewTakenByAnAdviceBeansExceptionHandlerFailsStartupNamingTheMethodAndTheBean() {
        contextRunner.withUserConfiguration(FailingController.class).withBean("errorAdvice", ErrorAdvice.class)
                .run((context) -> assertFailedNaming(context, "Parameter 1 of @ExceptionHandler method "
                        + ErrorAdvice.class.getName() + "#onError(IllegalArgumentException, ErrorLog) of "
                        + "@ControllerAdvice bean 'errorAdvice'", ErrorLog.class.getName() + ".errors",
                        "never be stored", "Change the view in the handler instead"));
    }

    @Test
    void aStashTakenByAViewControllersOwnExceptionHandlerFailsStartup() {
        contextRunner.withUserConfiguration(CountingController.class).run((context) -> assertFailedNaming(context,
                "@ExceptionHandler method " + CountingController.class.getName()
                        + "#onError(IllegalStateException, Stash)", "takes a " + Stash.class.getName()));
    }

    @Test
    void aViewTakenInsideAnOptionalByAnExceptionHandlerFailsStartup() {
        contextRunner.withUserConfiguration(OptionalController.class).run((context) -> assertFailedNaming(context,
                "@ExceptionHandler method " + OptionalController.class.getName()
                        + "#onError(IllegalStateException, Optional)", "java.util.Optional<"
                        + ErrorLog.class.getName() + ">"));
    }

    @Test
    void anExceptionHandlerOfAnAdviceThatAppliesToNoHandlerIsCheckedTooForItAnswersErrorsWithoutOne() {
        contextRunner.withUserConfiguration(PlainController.class).withBean("errorAdvice", ErrorAdvice.class)
                .run((context) -> assertFailedNaming(context, "of @ControllerAdvice bean 'errorAdvice'"));
    }

    @Test
    void exceptionHandlersWithoutViewsStart() {
        contextRunner.withUserConfiguration(FailingController.class, QuietController.class)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    private static void assertFailedNaming(AssertableWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

    /** A per-browser error log: a plain view class, taken as a handler argument. */
    static class ErrorLog {
        @Stashed int errors;
    }

    @RestController
    static class FailingController {
        @GetMapping("/errors")
        String errors(ErrorLog log) {
            return Integer.toString(log.errors);
        }

        @PostMapping("/fail")
        String fail() {
            throw new IllegalArgumentException("boom");
        }
    }

    @RestController
    static class PlainController {
        @GetMapping("/plain")
        String plain() {
            return "plain";
        }
    }

    @RestControllerAdvice
    static class ErrorAdvice {
        @ExceptionHandler(IllegalArgumentException.class)
        ResponseEntity<String> onError(IllegalArgumentException e, ErrorLog log) {
            log.errors++;
            return ResponseEntity.status(409).body("errors=" + log.errors);
        }
    }

    @RestController
    static class CountingController {
        @Stashed int count;

        @PostMapping("/count")
        String count() {
            count++;
            throw new IllegalStateException("boom");
        }

        @ExceptionHandler(IllegalStateException.class)
        ResponseEntity<String> onError(IllegalStateException e, Stash stash) {
            stash.stashNow();
            return ResponseEntity.status(409).body("stashed");
        }
    }

    @RestController
    static class OptionalController {
        @GetMapping("/optional")
        String show(ErrorLog log) {
            return Integer.toString(log.errors);
        }

        @ExceptionHandler(IllegalStateException.class)
        ResponseEntity<String> onError(IllegalStateException e, Optional<ErrorLog> log) {
            return ResponseEntity.status(409).build();
        }
    }

    /** A view controller whose exception handler takes the request and a browser session: no view, no Stash. */
    @RestController
    static class QuietController {
        @Stashed int count;

        @PostMapping("/quiet")
        String quiet() {
            count++;
            throw new IllegalStateException("boom");
        }

        @ExceptionHandler(IllegalStateException.class)
        ResponseEntity<String> onError(IllegalStateException e, HttpServletRequest request, BrowserSession session) {
            return ResponseEntity.status(409).body(request.getRequestURI());
        }
    }
}

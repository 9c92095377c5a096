package dev.durablestash.spring.web.reactive.declarations;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import dev.durablestash.spring.autoconfigure.DurableStashReactiveAutoConfiguration;
import dev.durablestash.spring.web.reactive.ReactiveStash;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On WebFlux as on Spring MVC, a handler that fails stashes nothing, also when an {@code @ExceptionHandler}
 * answers: a view or a {@code ReactiveStash} an exception handler takes fails startup, naming the method (and
 * the advice bean), instead of starting and storing (or silently dropping) what it changes.
 */
class WebFluxExceptionHandlerStartupChecksTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(WebFluxAutoConfiguration.class,
                    InMemoryStorageAutoConfiguration.class, DurableStashAutoConfiguration.class,
                    DurableStashReactiveAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aViewTakenByAnAdviceBeansExceptionHandlerFailsStartupNamingTheMethodAndTheBean() {
        runner.withBean(FailingController.class).withBean("errorAdvice", ErrorAdvice.class)
                .run((context) -> assertFailedNaming(context, "Parameter 1 of @ExceptionHandler method "
                        + ErrorAdvice.class.getName() + "#onError(IllegalArgumentException, ErrorLog) of "
                        + "@ControllerAdvice bean 'errorAdvice'", ErrorLog.class.getName() + ".errors",
                        "never be stored"));
    }

    @Test
    void aReactiveStashTakenByAViewControllersOwnExceptionHandlerFailsStartup() {
        runner.withBean(CountingController.class).run((context) -> assertFailedNaming(context,
                "@ExceptionHandler method " + CountingController.class.getName()
                        + "#onError(IllegalStateException, ReactiveStash)", "takes a "
                        + ReactiveStash.class.getName()));
    }

    @Test
    void anExceptionHandlerWithoutViewsStarts() {
        runner.withBean(FailingController.class).run((context) -> assertThat(context).hasNotFailed());
    }

    private static void assertFailedNaming(AssertableReactiveWebApplicationContext context, String... parts) {
        assertThat(context).hasFailed();
        Throwable root = context.getStartupFailure();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        assertThat(root).isInstanceOf(IllegalStateException.class);
        assertThat(root.getMessage()).contains(parts);
    }

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

        @ExceptionHandler(IllegalArgumentException.class)
        ResponseEntity<String> onError(IllegalArgumentException e) {
            return ResponseEntity.status(409).body("failed");
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
        ResponseEntity<String> onError(IllegalStateException e, ReactiveStash stash) {
            return ResponseEntity.status(409).body(stash.view());
        }
    }
}

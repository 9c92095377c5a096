package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.web.servlet.BrowserSession;

/** A controller that touches no stashed view. */
@RestController
class PlainController {

    @GetMapping("/plain")
    String plain() {
        return "plain";
    }

    /** Includes a view's handler that throws (the app's catch-all answers it), then answers itself. */
    @PostMapping("/plain/include-failing-counter")
    String includeFailingCounter(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        request.getRequestDispatcher("/counter/increment-then-fail").include(request, response);
        return "|included";
    }

    /**
     * Gives the browser its sid and commits the response (the cookie reaches the browser), waits at the gate,
     * then includes the counter's page: its view is bound only then.
     */
    @GetMapping("/plain/commit-then-include-counter")
    void commitThenIncludeCounter(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        BrowserSession.of(request).sid();
        response.setContentType("text/plain");
        response.flushBuffer();
        Gate.pass();
        request.getRequestDispatcher("/counter").include(request, response);
    }

    /** Rotates the sid from a controller that is no view (like a login handler). */
    @PostMapping("/plain/rotate")
    String rotate(HttpServletRequest request) {
        BrowserSession.of(request).rotate();
        return "rotated";
    }

    /** Ends the browser session from a controller that is no view (like a logout handler). */
    @PostMapping("/plain/end")
    String end(HttpServletRequest request) {
        BrowserSession.of(request).end();
        return "ended";
    }
}

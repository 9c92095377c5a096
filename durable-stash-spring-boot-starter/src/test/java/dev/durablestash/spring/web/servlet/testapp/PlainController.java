package dev.durablestash.spring.web.servlet.testapp;

import jakarta.servlet.http.HttpServletRequest;

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

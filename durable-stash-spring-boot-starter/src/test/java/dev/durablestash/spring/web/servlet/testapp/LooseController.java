package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/** A view that opts out of atomic views: its requests run side by side. */
@RestController
@StashedView(name = "loose", atomic = false)
class LooseController {

    @Stashed int count;
    @Stashed String username;

    @GetMapping("/loose")
    String show() {
        return "count=" + count + ";username=" + username;
    }

    @PostMapping("/loose/increment")
    String increment() {
        count++;
        return Integer.toString(count);
    }

    /** Increments, waits at the gate, and answers. */
    @PostMapping("/loose/gated-increment")
    String incrementGated() {
        count++;
        Gate.pass();
        return Integer.toString(count);
    }

    @PostMapping("/loose/username")
    String setUsername(@RequestParam String username) {
        this.username = username;
        return this.username;
    }
}

package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;

/** A controller with {@code @Stashed} fields and no {@code @StashedView}: a view all the same. */
@RestController
class BareController {

    @Stashed int count;
    @Stashed String name;

    @GetMapping("/bare")
    String show() {
        return "count=" + count + ";name=" + name;
    }

    @PostMapping("/bare/increment")
    String increment() {
        count++;
        return show();
    }

    @PostMapping("/bare/name")
    String name(@RequestParam String name) {
        this.name = name;
        return show();
    }

    /** Sets the name, waits at the gate, and answers what this request sees then. */
    @PostMapping("/bare/gated-name")
    String nameGated(@RequestParam String name) {
        this.name = name;
        Gate.pass();
        return show();
    }

    @GetMapping("/bare/status")
    String status(Stash stash) {
        return stash.view() + ":" + stash.status();
    }
}

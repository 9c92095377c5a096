package dev.durablestash.spring.web.servlet.declarations.b;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** A controller view named after its simple name, like {@code a.Twin}. */
@RestController("bTwin")
public class Twin {

    @Stashed String name;

    @GetMapping("/b/twin")
    String show() {
        return name;
    }
}

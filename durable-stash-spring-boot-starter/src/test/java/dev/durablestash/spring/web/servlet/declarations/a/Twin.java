package dev.durablestash.spring.web.servlet.declarations.a;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** A controller view named after its simple name, like {@code b.Twin}. */
@RestController("aTwin") // bean names differ; the view names do not
public class Twin {

    @Stashed int count;

    @GetMapping("/a/twin")
    String show() {
        return Integer.toString(count);
    }
}

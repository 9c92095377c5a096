package dev.durablestash.spring.web.servlet.declarations.slice;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** The one controller a slice test makes a bean. */
@RestController
public class SlicedController {

    @Stashed int count;

    @GetMapping("/sliced")
    String show() {
        return String.valueOf(count);
    }
}

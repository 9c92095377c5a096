package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A controller that touches no stashed view. */
@RestController
class PlainController {

    @GetMapping("/plain")
    String plain() {
        return "plain";
    }
}

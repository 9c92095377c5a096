package dev.durablestash.spring.web.servlet.declared;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.servlet.testapp.Gate;

/**
 * A @StashedView controller declared by a @Bean method (the test app's
 * BeanDeclaredControllerConfiguration), so it lives outside the app's scanned package.
 */
@RestController
@StashedView(name = "declared")
public class BeanDeclaredController {

    @Stashed String name;

    @PostMapping("/declared/gated-name")
    String setNameGated(@RequestParam String name) {
        this.name = name;
        Gate.pass();
        return this.name;
    }

    @PostMapping("/declared/name")
    String setName(@RequestParam String name) {
        this.name = name;
        return this.name;
    }
}

package dev.durablestash.spring.web.servlet.testapp;

import java.util.concurrent.Callable;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;

/** An asynchronous handler of no view whose result (a view name) forwards to a handler of the "forward" view. */
@Controller
class AsyncForwardController {

    @PostMapping("/async-forward/gated-callable-forwarding-to-forward-increment")
    Callable<String> gatedCallableForwardingBack() {
        return () -> {
            Gate.pass();
            return "forward:/forward/increment";
        };
    }
}

package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/** Changes its own view, then forwards (server side, the same request) to another view's handler. */
@Controller
@StashedView
class ForwardingController {

    @Stashed int forwards;

    @PostMapping("/forward/counter-increment")
    String incrementThenForward() {
        forwards++;
        return "forward:/counter/increment-body";
    }

    @GetMapping("/forward")
    @ResponseBody
    String show() {
        return "forwards=" + forwards;
    }
}

package dev.durablestash.spring.web.servlet.websocket;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/** A view controller of the page: its state is recovered and stashed in the page's HTTP requests. */
@Controller
class CounterPage {

    @Stashed int count;

    @GetMapping("/counter")
    @ResponseBody
    String add() {
        return Integer.toString(++count);
    }
}

package dev.durablestash.benchmarks.http.session;

import jakarta.servlet.http.HttpSession;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** The counter as a session attribute, read and written as applications on Spring Session do. */
@RestController
public class SessionCounterController {

    @PostMapping("/increment")
    String increment(HttpSession session) {
        Integer count = (Integer) session.getAttribute("count");
        int next = count == null ? 1 : count + 1;
        session.setAttribute("count", next);
        return Integer.toString(next);
    }
}

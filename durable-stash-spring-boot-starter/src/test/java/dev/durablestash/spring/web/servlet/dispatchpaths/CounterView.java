package dev.durablestash.spring.web.servlet.dispatchpaths;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.Stashed;

/**
 * A view controller, one of whose handlers throws a {@link ResponseStatusException}, and another an
 * exception its exception handler answers with a forward to a handler of the same controller.
 */
@Controller
class CounterView {

    @Stashed int count;

    @GetMapping("/counter")
    @ResponseBody
    String count() {
        return String.valueOf(count);
    }

    @PostMapping("/counter")
    @ResponseBody
    String increment() {
        count++;
        return String.valueOf(count);
    }

    @PostMapping("/counter/conflict")
    @ResponseBody
    String conflict() {
        count += 100;
        throw new ResponseStatusException(HttpStatus.CONFLICT, "no");
    }

    /** Throws after changing the view: answered by the exception handler below, which forwards. */
    @PostMapping("/counter/bad")
    String bad() {
        count += 1000;
        throw new IllegalArgumentException("bad");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    String onBad() {
        return "forward:/counter/fallback";
    }

    @PostMapping("/counter/fallback")
    @ResponseBody
    String fallback() {
        return "fallback " + count;
    }
}

package dev.durablestash.spring.web.servlet.dispatchpaths;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ResponseStatusException;

import dev.durablestash.spring.Stashed;

/** A view controller, one of whose handlers throws a {@link ResponseStatusException}. */
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
}

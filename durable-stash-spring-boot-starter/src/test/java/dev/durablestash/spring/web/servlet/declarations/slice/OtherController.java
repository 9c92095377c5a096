package dev.durablestash.spring.web.servlet.declarations.slice;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * A controller written as the README writes them: package-private class and handler method, taking
 * a state class. A test slice of another controller does not make it a bean.
 */
@Controller
class OtherController {

    @PostMapping("/other")
    @ResponseBody
    String other(OtherState state) {
        state.visits++;
        return String.valueOf(state.visits);
    }
}

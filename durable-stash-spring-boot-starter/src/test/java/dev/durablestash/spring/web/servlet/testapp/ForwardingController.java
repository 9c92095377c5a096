package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * Dispatches server side, within the same request, to another view's handler: changes its own view,
 * then forwards; or includes, then changes its own view.
 */
@Controller
@StashedView
class ForwardingController {

    @Stashed int forwards;

    @PostMapping("/forward/counter-increment")
    String incrementThenForward() {
        forwards++;
        return "forward:/counter/increment-body";
    }

    /** Changes this view, then forwards to an asynchronous handler of another view, whose result waits at the gate. */
    @PostMapping("/forward/increment-then-forward-to-gated-callable")
    String incrementThenForwardToGatedCallable() {
        forwards++;
        return "forward:/async/gated-callable";
    }

    /** Includes the counter's increment, then changes this view and answers with a redirect. */
    @PostMapping("/forward/include-counter-then-increment")
    String includeThenIncrement(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        request.getRequestDispatcher("/counter/increment-body").include(request, response);
        forwards++;
        return "redirect:/forward";
    }

    /** As {@link #includeThenIncrement}, waiting at the gate between the include and the change. */
    @PostMapping("/forward/include-counter-then-gated-increment")
    String includeThenGatedIncrement(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        request.getRequestDispatcher("/counter/increment-body").include(request, response);
        Gate.pass();
        forwards++;
        return "redirect:/forward";
    }

    /**
     * Changes this view, includes the handler at {@code path} (one that throws: the app's catch-all
     * answers it within the include), and answers what it sees of this view then.
     */
    @PostMapping("/forward/increment-then-include")
    @ResponseBody
    String incrementThenInclude(@RequestParam String path, HttpServletRequest request,
            HttpServletResponse response) throws ServletException, IOException {
        forwards++;
        request.getRequestDispatcher(path).include(request, response);
        return "|forwards=" + forwards;
    }

    /** Increments and throws: nothing is stashed. */
    @PostMapping("/forward/increment-then-fail")
    @ResponseBody
    String incrementThenFail() {
        forwards++;
        throw new IllegalStateException("the handler failed after forwards++");
    }

    /** Increments, stores it with {@code stashNow()}, increments again and throws. */
    @PostMapping("/forward/increment-stash-now-increment-then-fail")
    @ResponseBody
    String incrementStashNowIncrementThenFail(Stash stash) {
        forwards++;
        stash.stashNow();
        forwards++;
        throw new IllegalStateException("the handler failed after a stashNow() and forwards++");
    }

    /** Changes this view, then forwards to an asynchronous handler (no view) whose result forwards back here. */
    @PostMapping("/forward/increment-then-forward-to-async-forwarding-back")
    String incrementThenForwardToAsyncForwardingBack() {
        forwards++;
        return "forward:/async-forward/gated-callable-forwarding-to-forward-increment";
    }

    @PostMapping("/forward/increment")
    @ResponseBody
    String increment() {
        forwards++;
        return "forwards=" + forwards;
    }

    @GetMapping("/forward")
    @ResponseBody
    String show() {
        return "forwards=" + forwards;
    }
}

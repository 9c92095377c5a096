package dev.durablestash.spring.web.servlet.testapp;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.View;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.servlet.BrowserSession;

/** The README's example, with handlers for each way a response can be produced. */
@Controller
@StashedView(vsn = 1)
class CounterController {

    @Stashed int count;
    @Stashed String username;
    @Stashed(scope = Scope.RECONNECT) String draft;

    /** Renders a view (not a response body), like a template would. */
    @GetMapping("/counter")
    ModelAndView show() {
        return new ModelAndView(textView(), Map.of("text", state()));
    }

    @PostMapping("/counter/increment")
    String incrementAndRedirect() {
        count++;
        return "redirect:/counter";
    }

    @PostMapping("/counter/increment-view")
    ModelAndView incrementAndRender() {
        count++;
        return show();
    }

    @PostMapping("/counter/increment-body")
    @ResponseBody
    String incrementAndAnswer() {
        count++;
        return Integer.toString(count);
    }

    @PostMapping("/counter/increment-entity")
    ResponseEntity<Void> incrementAndSeeOther() {
        count++;
        return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create("/counter")).build();
    }

    @PostMapping("/counter/increment-void")
    void incrementAndWrite(Stash stash, HttpServletResponse response) throws IOException {
        count++;
        stash.stashNow();
        response.getWriter().write(Integer.toString(count));
    }

    @PostMapping("/counter/username")
    @ResponseBody
    String setUsername(@RequestParam String username) {
        this.username = username;
        return this.username;
    }

    @PostMapping("/counter/draft")
    @ResponseBody
    String setDraft(@RequestParam String draft) {
        this.draft = draft;
        return "ok";
    }

    /** Sets the username, waits at the gate, and answers the username this request sees then. */
    @PostMapping("/counter/gated-username")
    @ResponseBody
    String setUsernameGated(@RequestParam String username) {
        this.username = username;
        Gate.pass();
        return this.username;
    }

    /** Increments, waits at the gate, and answers. */
    @PostMapping("/counter/gated-increment")
    @ResponseBody
    String incrementGated() {
        count++;
        Gate.pass();
        return Integer.toString(count);
    }

    /** Increments, then forwards to {@link #incrementGated}: two changes of this view in one request. */
    @PostMapping("/counter/increment-then-forward-gated")
    String incrementThenForwardGated() {
        count++;
        return "forward:/counter/gated-increment";
    }

    /**
     * Increments, then returns a view name that the application's default view resolver (Spring Boot's
     * {@code InternalResourceViewResolver}: this app has no template engine) renders as a forward to
     * {@link #incrementGated}.
     */
    @PostMapping("/counter/increment-then-resolved-forward-gated")
    String incrementThenResolvedForwardGated() {
        count++;
        return "/counter/gated-increment";
    }

    /** Increments and throws: nothing is stashed. */
    @PostMapping("/counter/increment-then-fail")
    @ResponseBody
    String incrementThenFail() {
        count++;
        throw new IllegalStateException("the handler failed after count++");
    }

    /** Increments, waits at the gate, and throws: nothing is stashed. */
    @PostMapping("/counter/gated-increment-then-fail")
    @ResponseBody
    String incrementGatedThenFail() {
        count++;
        Gate.pass();
        throw new IllegalStateException("the handler failed after count++");
    }

    /** A page visit counted with an explicit stash, before answering: a HEAD of it stashes explicitly too. */
    @GetMapping("/counter/visit")
    @ResponseBody
    String visit(Stash stash) {
        count++;
        stash.stashNow();
        return Integer.toString(count);
    }

    @GetMapping("/counter/status")
    @ResponseBody
    String status(Stash stash) {
        return stash.view() + ":" + stash.status();
    }

    @PostMapping("/counter/reset")
    @ResponseBody
    String reset(Stash stash) {
        stash.reset();
        return state();
    }

    /** Increments, rotates the sid (like a login inside a view's handler), increments again. */
    @PostMapping("/counter/increment-rotate-increment")
    @ResponseBody
    String incrementRotateIncrement(HttpServletRequest request) {
        count++;
        BrowserSession.of(request).rotate();
        count++;
        return state();
    }

    /** Ends the browser session inside a view's handler; the change after it is dropped. */
    @PostMapping("/counter/end")
    @ResponseBody
    String end(HttpServletRequest request) {
        BrowserSession.of(request).end();
        count = 1000;
        return "ended";
    }

    private String state() {
        return "count=" + count + ";username=" + username + ";draft=" + draft;
    }

    private static View textView() {
        return (model, request, response) -> {
            response.setContentType("text/plain");
            response.getWriter().write(String.valueOf(model.get("text")));
        };
    }
}

package dev.durablestash.sample.counter;

import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;

/**
 * The README's example, runnable. Every request gets its own instance of this controller: the
 * starter recovers the {@link Stashed} fields before a handler runs and stashes the fields the
 * handler changed after it returns, before the response is committed. The handlers therefore
 * read and write the fields like plain Java state.
 *
 * <p>Pages work with plain HTML form posts (Post/Redirect/Get) and no JavaScript. With
 * JavaScript, {@code /durable-stash.js} marks the page's own requests as rejoins, and the compose
 * page saves the draft as you type; such script requests carry {@code HX-Request: true} and get a
 * small text answer instead of a redirect, and an {@code HX-Trigger: stashed} header that tells the page
 * to refresh its engine panel.
 *
 * <p>The write handlers call {@link Stash#stashNow()} (or {@link Stash#reset()}) themselves only to
 * time the write for the engine panel; without that call the same write happens automatically
 * after the handler returns, before the response is sent.
 */
@Controller
@StashedView(vsn = 1) // view name defaults to the class name
class CounterController {

    /** The request header that marks a script (htmx-style) request rather than a form post. */
    static final String SCRIPT_REQUEST_HEADER = "HX-Request";

    /** The htmx response header that fires an event on the page; the engine panel listens for {@code stashed}. */
    static final String TRIGGER_HEADER = "HX-Trigger";

    @Stashed int count; // SESSION scope by default

    @Stashed @Nullable String username;

    @Stashed(scope = Scope.RECONNECT) @Nullable String draft; // recovered only when the page rejoins

    private final WriteTimings timings;
    private final HttpServletRequest request;
    private final HttpServletResponse response;

    CounterController(WriteTimings timings, HttpServletRequest request, HttpServletResponse response) {
        this.timings = timings;
        this.request = request;
        this.response = response;
    }

    @GetMapping("/")
    String index(Model model, Stash stash) {
        model.addAttribute("count", count);
        model.addAttribute("username", username);
        model.addAttribute("recovery", stash.status());
        return "index";
    }

    @PostMapping("/increment")
    String increment(Stash stash) {
        count++;
        durably(stash);
        return "redirect:/";
    }

    @PostMapping(path = "/increment", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    String incrementFromScript(Stash stash) {
        count++;
        durably(stash);
        return Integer.toString(count);
    }

    @PostMapping("/username")
    String username(@RequestParam(name = "username", defaultValue = "") String username, Stash stash) {
        String trimmed = username.strip();
        this.username = trimmed.isEmpty() ? null : trimmed;
        durably(stash);
        return "redirect:/";
    }

    /** Starts this browser session's counter view over: removes its stored keys, fields back to defaults. */
    @PostMapping("/reset")
    String reset(Stash stash) {
        timings.time(request, stash::reset);
        return "redirect:/";
    }

    @GetMapping("/compose")
    String compose(Model model, Stash stash) {
        model.addAttribute("draft", draft == null ? "" : draft);
        model.addAttribute("recovery", stash.status());
        return "compose";
    }

    @PostMapping("/compose/draft")
    String saveDraft(@RequestParam(name = "draft", defaultValue = "") String draft, Stash stash) {
        this.draft = draft;
        durably(stash);
        // Still the compose page: come back to it as a rejoin, so the saved draft is shown again.
        return "redirect:/compose?_mounts=1";
    }

    @PostMapping(path = "/compose/draft", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    String saveDraftFromScript(@RequestParam(name = "draft", defaultValue = "") String draft, Stash stash) {
        this.draft = draft;
        durably(stash);
        return "Draft saved (" + draft.codePointCount(0, draft.length()) + " characters)";
    }

    /**
     * Stashes the changed fields now, timed for the engine panel, and tells a script request's page
     * to refresh that panel. Without this call the starter would stash them after the handler.
     */
    private void durably(Stash stash) {
        timings.time(request, stash::stashNow);
        if (request.getHeader(SCRIPT_REQUEST_HEADER) != null) {
            response.setHeader(TRIGGER_HEADER, "stashed");
        }
    }
}

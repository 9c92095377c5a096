package dev.durablestash.sample.counter;

import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

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
 * small text answer instead of a redirect.
 */
@Controller
@StashedView(vsn = 1) // view name defaults to the class name
class CounterController {

    /** The request header that marks a script (htmx-style) request rather than a form post. */
    static final String SCRIPT_REQUEST_HEADER = "HX-Request";

    @Stashed int count; // SESSION scope by default

    @Stashed @Nullable String username;

    @Stashed(scope = Scope.RECONNECT) @Nullable String draft; // recovered only when the page rejoins

    @GetMapping("/")
    String index(Model model, Stash stash) {
        model.addAttribute("count", count);
        model.addAttribute("username", username);
        model.addAttribute("recovery", stash.status());
        return "index";
    }

    @PostMapping("/increment")
    String increment() {
        count++;
        return "redirect:/";
    }

    @PostMapping(path = "/increment", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    String incrementFromScript() {
        count++;
        return Integer.toString(count);
    }

    @PostMapping("/username")
    String username(@RequestParam(name = "username", defaultValue = "") String username) {
        String trimmed = username.strip();
        this.username = trimmed.isEmpty() ? null : trimmed;
        return "redirect:/";
    }

    /** Starts this browser session's counter view over: removes its stored keys, fields back to defaults. */
    @PostMapping("/reset")
    String reset(Stash stash) {
        stash.reset();
        return "redirect:/";
    }

    @GetMapping("/compose")
    String compose(Model model) {
        model.addAttribute("draft", draft == null ? "" : draft);
        return "compose";
    }

    @PostMapping("/compose/draft")
    String saveDraft(@RequestParam(name = "draft", defaultValue = "") String draft) {
        this.draft = draft;
        // Still the compose page: come back to it as a rejoin, so the saved draft is shown again.
        return "redirect:/compose?_mounts=1";
    }

    @PostMapping(path = "/compose/draft", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    String saveDraftFromScript(@RequestParam(name = "draft", defaultValue = "") String draft) {
        this.draft = draft;
        return "Draft saved (" + draft.codePointCount(0, draft.length()) + " characters)";
    }
}

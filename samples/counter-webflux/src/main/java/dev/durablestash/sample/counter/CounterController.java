package dev.durablestash.sample.counter;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Mono;

/**
 * The Spring MVC sample's controller on WebFlux. Every exchange gets its own instance of this
 * controller: the starter recovers the {@link Stashed} fields before a handler runs and stashes the
 * fields the handler changed before the response is committed, without blocking a thread. The
 * handlers therefore read and write the fields like plain Java state.
 *
 * <p>Pages work with plain HTML form posts (Post/Redirect/Get, answered {@code 302 Found} like the
 * Spring MVC sample, where WebFlux's own redirect default is {@code 303}) and no JavaScript. With
 * JavaScript, {@code /durable-stash.js} marks the page's own requests as rejoins, and the compose page
 * saves the draft as you type; such script requests carry {@code HX-Request: true} and get a small
 * text answer instead of a redirect, and an {@code HX-Trigger: stashed} header that tells the page to
 * refresh its engine panel.
 *
 * <p>The write handlers call {@link ReactiveStash#stash()} (or {@link ReactiveStash#reset()})
 * themselves only to time the write for the engine panel; without that call the same write happens
 * automatically before the response is sent.
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

    CounterController(WriteTimings timings) {
        this.timings = timings;
    }

    @GetMapping("/")
    String index(Model model, ReactiveStash stash) {
        model.addAttribute("count", count);
        model.addAttribute("username", username);
        model.addAttribute("recovery", stash.status());
        return "index";
    }

    @PostMapping("/increment")
    Mono<Rendering> increment(ReactiveStash stash, ServerWebExchange exchange) {
        count++;
        return durably(stash, exchange).then(redirectTo("/"));
    }

    @PostMapping(path = "/increment", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    Mono<String> incrementFromScript(ReactiveStash stash, ServerWebExchange exchange) {
        count++;
        return durably(stash, exchange).thenReturn(Integer.toString(count));
    }

    @PostMapping("/username")
    Mono<Rendering> username(ReactiveStash stash, ServerWebExchange exchange) {
        return form(exchange, "username").flatMap(username -> {
            String trimmed = username.strip();
            this.username = trimmed.isEmpty() ? null : trimmed;
            return durably(stash, exchange).then(redirectTo("/"));
        });
    }

    /** Starts this browser session's counter view over: removes its stored keys, fields back to defaults. */
    @PostMapping("/reset")
    Mono<Rendering> reset(ReactiveStash stash, ServerWebExchange exchange) {
        return timings.time(exchange, stash.reset()).then(redirectTo("/"));
    }

    @GetMapping("/compose")
    String compose(Model model, ReactiveStash stash) {
        model.addAttribute("draft", draft == null ? "" : draft);
        model.addAttribute("recovery", stash.status());
        return "compose";
    }

    @PostMapping("/compose/draft")
    Mono<Rendering> saveDraft(ReactiveStash stash, ServerWebExchange exchange) {
        return form(exchange, "draft").flatMap(draft -> {
            this.draft = draft;
            // Still the compose page: come back to it as a rejoin, so the saved draft is shown again.
            return durably(stash, exchange).then(redirectTo("/compose?_mounts=1"));
        });
    }

    @PostMapping(path = "/compose/draft", headers = SCRIPT_REQUEST_HEADER, produces = MediaType.TEXT_PLAIN_VALUE)
    @ResponseBody
    Mono<String> saveDraftFromScript(ReactiveStash stash, ServerWebExchange exchange) {
        return form(exchange, "draft").flatMap(draft -> {
            this.draft = draft;
            return durably(stash, exchange)
                    .thenReturn("Draft saved (" + draft.codePointCount(0, draft.length()) + " characters)");
        });
    }

    /**
     * Stashes the changed fields now, timed for the engine panel, and tells a script request's page
     * to refresh that panel. Without this the starter would stash them before the response is sent.
     */
    private Mono<Void> durably(ReactiveStash stash, ServerWebExchange exchange) {
        return timings.time(exchange, stash.stash()).doOnSuccess(done -> {
            if (exchange.getRequest().getHeaders().containsHeader(SCRIPT_REQUEST_HEADER)) {
                exchange.getResponse().getHeaders().set(TRIGGER_HEADER, "stashed");
            }
        });
    }

    /** @return the form field {@code name}, or {@code ""} when the form has none (like {@code @RequestParam(defaultValue = "")}) */
    private static Mono<String> form(ServerWebExchange exchange, String name) {
        return exchange.getFormData().map(form -> valueOf(form, name));
    }

    private static String valueOf(MultiValueMap<String, String> form, String name) {
        String value = form.getFirst(name);
        return value == null ? "" : value;
    }

    /** Post/Redirect/Get with {@code 302 Found}, as the Spring MVC sample answers. */
    private static Mono<Rendering> redirectTo(String location) {
        return Mono.just(Rendering.redirectTo(location).status(HttpStatus.FOUND).build());
    }
}

package dev.durablestash.sample.counter;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.sample.pages.EngineFigures;
import dev.durablestash.sample.pages.StorageLocation;
import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/**
 * The facts every page shows around its view: the web framework ({@code framework}), where the state
 * lives ({@code storage}) and the engine panel ({@code engine}). {@code GET /engine} answers the
 * panel alone, for the page to refresh it after a script request wrote something. Not a stashed
 * view: reading these mounts nothing.
 */
@Controller
@ControllerAdvice
class PageFacts {

    private final StashAdapter engine;
    private final WriteTimings timings;
    private final StorageLocation storage;

    PageFacts(StashAdapter engine, WriteTimings timings, DurableStashProperties properties) {
        this.engine = engine;
        this.timings = timings;
        this.storage = StorageLocation.of(properties);
    }

    @ModelAttribute("framework")
    String framework() {
        return "Spring WebFlux";
    }

    @ModelAttribute("storage")
    StorageLocation storage() {
        return storage;
    }

    @ModelAttribute("engine")
    EngineFigures engine(ServerWebExchange exchange) {
        return EngineFigures.of(timings.lastWrite(exchange), engine.statistics());
    }

    @GetMapping("/engine")
    String enginePanel() {
        return "layout :: engine";
    }
}

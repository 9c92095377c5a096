package dev.durablestash.sample.pages;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.spring.autoconfigure.DurableStashProperties;

/**
 * The facts every page shows around its view: the web framework ({@code framework}), where the state
 * lives ({@code storage}) and the engine panel ({@code engine}). {@code GET /engine} answers the panel
 * alone, for the page to refresh it after a script request wrote something. Not a stashed view: reading
 * these mounts nothing. Each sample extends it as its {@code @Controller} and {@code @ControllerAdvice},
 * naming its framework and how it finds a request's last write.
 *
 * @param <R> the framework's request type, which Spring resolves for {@link #engine} from the subclass
 */
public abstract class PageFacts<R> {

    private final String framework;
    private final StashAdapter engine;
    private final StorageLocation storage;

    /**
     * @param framework the web framework's name, e.g. {@code "Spring MVC"}
     * @param engine the engine, for its counters
     * @param properties where the state lives
     */
    protected PageFacts(String framework, StashAdapter engine, DurableStashProperties properties) {
        this.framework = framework;
        this.engine = engine;
        this.storage = StorageLocation.of(properties);
    }

    /** @return how long the last write of the request's browser session took, or {@code null} */
    protected abstract @Nullable Duration lastWrite(R request);

    @ModelAttribute("framework")
    String framework() {
        return framework;
    }

    @ModelAttribute("storage")
    StorageLocation storage() {
        return storage;
    }

    @ModelAttribute("engine")
    EngineFigures engine(R request) {
        return EngineFigures.of(lastWrite(request), engine.statistics());
    }

    @GetMapping("/engine")
    String enginePanel() {
        return "layout :: engine";
    }
}

package dev.durablestash.spring.web.reactive.declarations.rvchelper;

import java.util.function.Function;

import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.web.reactive.StashedRoutes;

/** An application's generic helper: a handler that recovers any view and renders it. */
public class ViewHandlers {

    private final StashedRoutes stashes;

    public ViewHandlers(StashedRoutes stashes) {
        this.stashes = stashes;
    }

    public <T> HandlerFunction<ServerResponse> show(Class<T> viewClass, Function<T, String> render) {
        return request -> stashes.recover(request, viewClass)
                .flatMap(view -> ServerResponse.ok().bodyValue(render.apply(view)));
    }
}

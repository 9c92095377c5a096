package dev.durablestash.spring.web.reactive;

import java.nio.file.Path;
import java.util.function.Supplier;

import org.reactivestreams.Publisher;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.EntityResponse;
import org.springframework.web.reactive.function.server.RenderingResponse;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import reactor.core.publisher.Mono;

/**
 * The {@link ServerResponse} of a functional route that bound views, writing its body as an annotated
 * handler's multi-value body is written ({@link MultiValueBodies}): the views of a body WebFlux writes as a
 * stream are stashed, and their turns handed on, as it starts, before it is subscribed, not at its first
 * element; a multi-value entity ({@code body(flux, type)}) written in another media type (a JSON array) is
 * collected first, so that the views are stashed once it completed. A body given as a {@code BodyInserter},
 * which does not say what it writes, is seen as a stream when WebFlux writes it as one: flushing each element
 * ({@code writeAndFlushWith}: server-sent events, JSON lines), or as more than one buffer ({@code writeWith}
 * with a publisher that is not a {@code Mono}) in a media type {@link MultiValueBodies#isStream} calls a
 * stream (text from {@code BodyInserters.fromPublisher}, bytes from {@code fromDataBuffers}). Anything else
 * (a single value, a JSON array, a body without a media type, a file written without copying it) is stashed
 * as it commits. A stream whose stash fails is never subscribed; the exchange answers the failure status.
 *
 * <p><b>Thread-safety:</b> as the response it decorates; bound to one exchange.
 */
final class RouteResponse implements ServerResponse {

    private final ServerResponse delegate;
    private final ExchangeViews views;
    private final boolean multiValue;

    private RouteResponse(ServerResponse delegate, ExchangeViews views, boolean multiValue) {
        this.delegate = delegate;
        this.views = views;
        this.multiValue = multiValue;
    }

    /**
     * @return the response, decorated if the exchange bound views and its body may be a stream: an entity
     *     that is a multi-value publisher, or a body that does not say what it is (not a single entity, not
     *     a rendered view)
     */
    static ServerResponse of(ServerResponse response, ServerWebExchange exchange, ReactiveAdapterRegistry registry) {
        ExchangeViews views = ExchangeViews.find(exchange);
        if (views == null || response instanceof RenderingResponse) {
            return response;
        }
        if (response instanceof EntityResponse<?> entity) {
            Object body = entity.entity();
            ReactiveAdapter adapter = body == null ? null : registry.getAdapter(body.getClass());
            return adapter != null && adapter.isMultiValue() ? new RouteResponse(response, views, true) : response;
        }
        return new RouteResponse(response, views, false);
    }

    @Override
    public HttpStatusCode statusCode() {
        return delegate.statusCode();
    }

    @Override
    public HttpHeaders headers() {
        return delegate.headers();
    }

    @Override
    public MultiValueMap<String, ResponseCookie> cookies() {
        return delegate.cookies();
    }

    @Override
    public Mono<Void> writeTo(ServerWebExchange exchange, Context context) {
        ServerHttpResponse response = exchange.getResponse();
        ServerHttpResponse writing = response instanceof ZeroCopyHttpOutputMessage ? new ZeroCopyBody(response)
                : new Body(response);
        return delegate.writeTo(new ServerWebExchangeDecorator(exchange) {
            @Override
            public ServerHttpResponse getResponse() {
                return writing;
            }
        }, context);
    }

    /** The response the route's body is written to. */
    private class Body extends ServerHttpResponseDecorator {

        Body(ServerHttpResponse delegate) {
            super(delegate);
        }

        /** WebFlux writes the body as a stream: stashed as it starts. */
        @Override
        public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return asStream(() -> super.writeAndFlushWith(body));
        }

        /**
         * A single value is stashed as it commits. A multi-value entity is written as an annotated handler's
         * multi-value body; any other body of more than one buffer (a {@code BodyInserter}'s text or bytes,
         * which WebFlux writes with this method, without a flush per element) is a stream when the response's
         * media type is one, and otherwise stashed as it commits.
         */
        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            if (body instanceof Mono) {
                return super.writeWith(body);
            }
            if (multiValue) {
                return super.writeWith(views.multiValueBody(body));
            }
            return MultiValueBodies.isStream(this) ? asStream(() -> super.writeWith(body)) : super.writeWith(body);
        }

        /** @return {@code write}, once the views were stashed and their turns handed on: before it subscribes */
        private Mono<Void> asStream(Supplier<Mono<Void>> write) {
            return views.stashBeforeStream().then(Mono.defer(write));
        }
    }

    /** As {@link Body}, for a response that can write a file without copying it (a single value). */
    private final class ZeroCopyBody extends Body implements ZeroCopyHttpOutputMessage {

        ZeroCopyBody(ServerHttpResponse delegate) {
            super(delegate);
        }

        @Override
        public Mono<Void> writeWith(Path file, long position, long count) {
            return ((ZeroCopyHttpOutputMessage) getDelegate()).writeWith(file, position, count);
        }
    }
}

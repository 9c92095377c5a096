package dev.durablestash.spring.web.reactive;

import java.util.List;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpEntity;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpResponse;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The body of a view handler's multi-value result (a {@code Flux}, say; bare, as an {@code HttpEntity}'s
 * body, or as the body of the {@code HttpEntity} a {@code Mono} produces), which is stashed by the media
 * type it is written in ({@link #isStream}):
 *
 * <ul>
 * <li>a <b>stream</b> (server-sent events, JSON lines, text, raw bytes): the views are stashed, and their
 * turns handed on, as the body starts, before it is subscribed, so that an open stream holds no turn, also
 * while it waits for its first element; what it changes later is not stashed automatically;
 * <li>anything else (a JSON array, say, one document of all the elements): the elements are collected
 * before the first is written, so the response commits, and the views are stashed (holding their turns until
 * then), once the body completed: what it changes while it is produced is stored before the client sees
 * it, and a body that fails stashes nothing.
 * </ul>
 *
 * <p><b>Thread-safety:</b> stateless; thread-safe.
 */
final class MultiValueBodies {

    /**
     * The media types WebFlux's codecs write element by element, besides {@code text/*}, raw bytes and any
     * {@code stream+} subtype: JSON lines, and protobuf's delimited messages. (A fixed list: asking the
     * codecs would read class files, blocking, on the event-loop thread that first gets here.)
     */
    private static final List<MediaType> STREAMING_TYPES = List.of(MediaType.APPLICATION_NDJSON,
            MediaType.parseMediaType("application/jsonl"), MediaType.parseMediaType("application/x-protobuf"),
            MediaType.parseMediaType("application/vnd.google.protobuf"));

    private MultiValueBodies() {
    }

    /**
     * @param type the media type the body is written in (the response's {@code Content-Type}), or {@code null}
     * @return whether WebFlux writes a multi-value body in that type as a stream, element by element as they
     *     come: any {@code text} type (server-sent events, {@code text/event-stream}, among them), JSON lines
     *     ({@code application/x-ndjson}, {@code application/jsonl}), any {@code stream+} subtype
     *     ({@code application/stream+json}), protobuf's delimited messages ({@code application/x-protobuf},
     *     {@code application/vnd.google.protobuf}, any {@code +x-protobuf} subtype, any type with
     *     {@code delimited=true}, which protobuf's writer sets when it streams), or raw bytes
     *     ({@code application/octet-stream})
     */
    static boolean isStream(@Nullable MediaType type) {
        if (type == null) {
            return false;
        }
        if ("text".equals(type.getType()) || MediaType.APPLICATION_OCTET_STREAM.equalsTypeAndSubtype(type)
                || type.getSubtype().startsWith("stream+") // a media type's type and subtype are lower case
                || type.getSubtype().endsWith("+x-protobuf") || "true".equals(type.getParameter("delimited"))) {
            return true;
        }
        for (MediaType streaming : STREAMING_TYPES) {
            if (streaming.equalsTypeAndSubtype(type)) {
                return true;
            }
        }
        return false;
    }

    /** @return whether the response is written in a media type that makes a multi-value body a stream */
    static boolean isStream(ServerHttpResponse response) {
        return isStream(response.getHeaders().getContentType());
    }

    /**
     * @param value what a handler method returned
     * @param declared the handler method's declared return type
     * @param registry the reactive types the handler adapter knows
     * @param body what becomes of a multi-value body
     * @return the value with its multi-value body (bare, as an {@code HttpEntity}'s body, or as the body of
     *     the {@code HttpEntity} a single-value publisher such as a {@code Mono} produces) replaced by
     *     {@code body}'s result, of the same reactive type; or {@code null} when the value has no such body
     */
    static @Nullable Object replaceBody(@Nullable Object value, ResolvableType declared,
            ReactiveAdapterRegistry registry, Function<Publisher<?>, Flux<?>> body) {
        if (value instanceof HttpEntity<?> entity) {
            Object replaced = replaceMultiValue(entity.getBody(), registry, body);
            return replaced == null ? null : withBody(entity, replaced);
        }
        if (value == null) {
            return null;
        }
        ReactiveAdapter adapter = registry.getAdapter(value.getClass());
        if (adapter == null || adapter.isNoValue()) {
            return null;
        }
        if (adapter.isMultiValue()) {
            return adapter.fromPublisher(body.apply(adapter.toPublisher(value)));
        }
        Class<?> produced = declared.getGeneric().toClass();
        if (!HttpEntity.class.isAssignableFrom(produced) && produced != Object.class) {
            return null; // a Mono<String>, say
        }
        // A single value that may be an HttpEntity with a multi-value body: Mono<ResponseEntity<Flux<T>>>.
        return adapter.fromPublisher(Mono.from(adapter.toPublisher(value)).map(result -> {
            if (result instanceof HttpEntity<?> entity) {
                Object replaced = replaceMultiValue(entity.getBody(), registry, body);
                return replaced == null ? entity : withBody(entity, replaced);
            }
            return result;
        }));
    }

    private static @Nullable Object replaceMultiValue(@Nullable Object value, ReactiveAdapterRegistry registry,
            Function<Publisher<?>, Flux<?>> body) {
        if (value == null) {
            return null;
        }
        ReactiveAdapter adapter = registry.getAdapter(value.getClass());
        return adapter != null && adapter.isMultiValue() ? adapter.fromPublisher(body.apply(adapter.toPublisher(value)))
                : null;
    }

    private static HttpEntity<?> withBody(HttpEntity<?> entity, Object body) {
        if (entity instanceof ResponseEntity<?> response) {
            return new ResponseEntity<>(body, response.getHeaders(), response.getStatusCode());
        }
        return new HttpEntity<>(body, entity.getHeaders());
    }

    /**
     * @return the elements of {@code body}, collected: the first comes once the body completed (so the
     *     response commits then); a failure or a cancel releases collected data buffers
     */
    static <T> Flux<T> collected(Publisher<T> body) {
        return Flux.from(body).collectList().flatMapIterable(Function.identity())
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }
}

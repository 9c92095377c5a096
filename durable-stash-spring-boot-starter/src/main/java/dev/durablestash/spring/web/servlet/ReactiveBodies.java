package dev.durablestash.spring.web.servlet;

import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.http.HttpEntity;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.accept.ContentNegotiationManager;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

/**
 * Tells how Spring MVC's {@code ResponseBodyEmitterReturnValueHandler} writes a reactive return value
 * (also a {@code ResponseEntity}'s body), deciding as it does (its {@code ReactiveTypeHandler}, in
 * Spring Framework 7): a single value ({@code Mono}, {@code CompletableFuture}) is written on an async
 * dispatch, as a deferred result; a multi-value one ({@code Flux}) is streamed when the media types are
 * those of a stream or its elements are server-sent events or character sequences, and otherwise
 * collected into one list, written on an async dispatch too.
 *
 * <p>The media types are those Spring MVC takes: the content type of the {@code ResponseEntity} when it
 * has one, else those the handler produces ({@code @RequestMapping(produces = ...)}), else those the
 * request accepts by the content negotiation manager of Spring MVC's handler adapter. A {@code Flux} is
 * streamed as server-sent events when one of them is {@code text/event-stream}, or its elements are
 * {@code ServerSentEvent}s; as gRPC when one is {@code application/grpc}; as text when its elements are
 * character sequences, whatever the media type; as JSON lines when one is {@code application/x-ndjson}
 * or a subtype suffixed {@code +x-ndjson}.
 *
 * <p><b>Thread-safety:</b> thread-safe; immutable (the content negotiation manager is looked up once).
 */
final class ReactiveBodies {

    private static final MediaType SUFFIXED_BY_NDJSON = MediaType.valueOf("application/*+x-ndjson");
    private static final MediaType APPLICATION_GRPC = MediaType.valueOf("application/grpc");

    private final ReactiveAdapterRegistry adapters;
    private final Supplier<ContentNegotiationManager> contentNegotiation;

    /**
     * @param adapters the registry of Spring MVC's handler adapter
     * @param contentNegotiation the content negotiation manager of that adapter, looked up on first use
     */
    ReactiveBodies(ReactiveAdapterRegistry adapters, Supplier<ContentNegotiationManager> contentNegotiation) {
        this.adapters = adapters;
        this.contentNegotiation = contentNegotiation;
    }

    /**
     * Whether the return value is a reactive one that Spring MVC writes on an async dispatch, once it
     * completed (a single value, or a multi-value one it collects), rather than one it streams or not a
     * reactive one at all.
     *
     * @param returnValue the handler method's return value, possibly a {@code ResponseEntity}
     * @param returnType its declared type
     * @param request the request
     * @throws HttpMediaTypeNotAcceptableException when the request's {@code Accept} header cannot be
     *     parsed: Spring MVC fails so too, when it looks for the media types
     */
    boolean writtenOnAsyncDispatch(@Nullable Object returnValue, MethodParameter returnType,
            NativeWebRequest request) throws HttpMediaTypeNotAcceptableException {
        MediaType contentType = null;
        if (returnValue instanceof ResponseEntity<?> entity) {
            contentType = entity.getHeaders().getContentType();
            returnValue = entity.getBody();
            returnType = returnType.nested();
        }
        if (returnValue == null) {
            return false;
        }
        ReactiveAdapter adapter = adapters.getAdapter(returnValue.getClass());
        if (adapter == null) {
            return false;
        }
        return !adapter.isMultiValue() || !streams(returnType, contentType, request);
    }

    /**
     * Whether Spring MVC's {@code ResponseEntityReturnValueHandler} hands the return value to its
     * {@code ResponseBodyEmitterReturnValueHandler}, as it does an entity whose body is an emitter or a
     * reactive value.
     */
    boolean streamingHandlerTakes(@Nullable Object returnValue) {
        Object body = returnValue instanceof HttpEntity<?> entity ? entity.getBody() : null;
        return body instanceof ResponseBodyEmitter || (body != null && adapters.getAdapter(body.getClass()) != null);
    }

    private boolean streams(MethodParameter returnType, @Nullable MediaType contentType, NativeWebRequest request)
            throws HttpMediaTypeNotAcceptableException {
        Collection<MediaType> mediaTypes = contentType != null ? List.of(contentType) : mediaTypes(request);
        Class<?> elementClass = ResolvableType.forMethodParameter(returnType).getGeneric().toClass();
        if (ServerSentEvent.class.isAssignableFrom(elementClass) || CharSequence.class.isAssignableFrom(elementClass)) {
            return true;
        }
        for (MediaType type : mediaTypes) {
            if (MediaType.TEXT_EVENT_STREAM.includes(type) || APPLICATION_GRPC.includes(type)
                    || SUFFIXED_BY_NDJSON.includes(type) || MediaType.APPLICATION_NDJSON.includes(type)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private Collection<MediaType> mediaTypes(NativeWebRequest request) throws HttpMediaTypeNotAcceptableException {
        Object produced = request.getAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE,
                RequestAttributes.SCOPE_REQUEST);
        if (produced instanceof Collection<?> types && !types.isEmpty()) {
            return (Collection<MediaType>) types;
        }
        return contentNegotiation.get().resolveMediaTypes(request);
    }
}

package dev.durablestash.spring.web.servlet;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.core.MethodParameter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.converter.StringHttpMessageConverter;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.accept.ContentNegotiationManager;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.async.StandardServletAsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.filter.ShallowEtagHeaderFilter;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which reactive return values Spring MVC writes on an async dispatch rather than streams, without a
 * web server, each checked against Spring MVC's own {@code ResponseBodyEmitterReturnValueHandler}
 * handling the same value for the same request: so a later Spring MVC that decides otherwise fails here.
 */
class ReactiveBodiesTests {

    /** The request attribute by which Spring MVC's streaming handler turns off ETag caching of a stream. */
    private static final String STREAMING = ShallowEtagHeaderFilter.class.getName() + ".STREAMING";

    private final ContentNegotiationManager contentNegotiation = new ContentNegotiationManager();
    private final ReactiveBodies reactiveBodies = new ReactiveBodies(ReactiveAdapterRegistry.getSharedInstance(),
            () -> contentNegotiation);

    /**
     * @param method a method of {@link Handlers}, whose return value is handled
     * @param accept the request's Accept header, none when empty
     * @param produces the media type the handler produces, none when empty
     * @param collected whether the value is written on an async dispatch (as Spring MVC's handler does)
     */
    @ParameterizedTest(name = "{0}, Accept {1}, produces {2}: written on an async dispatch {3}")
    @CsvSource({
            "numbers, '', '', true",
            "numbers, application/json, '', true",
            "numbers, */*, '', true",
            "numbers, application/xml, '', true",
            "numbers, text/event-stream, '', false",
            "numbers, 'application/json, text/event-stream', '', false",
            "numbers, application/x-ndjson, '', false",
            "numbers, application/vnd.tally+x-ndjson, '', false",
            "numbers, application/grpc, '', false",
            "numbers, application/json, text/event-stream, false",
            "numbers, text/event-stream, application/json, true",
            "texts, application/json, '', false",
            "texts, '', '', false",
            "events, application/json, '', false",
            "one, text/event-stream, '', true",
            "future, text/event-stream, '', true",
            "numbersInAnEntity, application/json, '', true",
            "numbersInAnEventStreamEntity, application/json, '', false",
            "numbersInAJsonEntity, text/event-stream, '', true",
            "oneInAnEntity, text/event-stream, '', true",
            "emitter, application/json, '', false" })
    void decidesAsSpringMvcDoes(String method, String accept, String produces, boolean collected)
            throws Exception {
        Object returnValue = returnValue(method);
        MethodParameter returnType = new MethodParameter(Handlers.class.getDeclaredMethod(method), -1);

        ServletWebRequest ours = request(accept, produces);
        assertThat(reactiveBodies.writtenOnAsyncDispatch(returnValue, returnType, ours)).isEqualTo(collected);

        ServletWebRequest springs = request(accept, produces);
        new ResponseBodyEmitterReturnValueHandler(List.of(new StringHttpMessageConverter()),
                ReactiveAdapterRegistry.getSharedInstance(), new SyncTaskExecutor(), contentNegotiation)
                .handleReturnValue(returnValue, returnType, new ModelAndViewContainer(), springs);
        assertThat(springs.getRequest().getAttribute(STREAMING)).as("Spring MVC streams it").isEqualTo(
                collected ? null : true);
    }

    @ParameterizedTest(name = "{0}: taken by the streaming handler {1}")
    @CsvSource({ "emitterInAnyEntity, true", "numbersInAnyEntity, true", "oneInAnyEntity, true",
            "textInAnyEntity, false", "emptyEntity, false", "emitter, false" })
    void anEntityOfAnyBodyIsStreamedWhenItsBodyIsAnEmitterOrAReactiveValue(String method, boolean taken)
            throws Exception {
        Object returnValue = returnValue(method);

        assertThat(reactiveBodies.streamingHandlerTakes(returnValue)).isEqualTo(taken);
    }

    private static Object returnValue(String method) throws Exception {
        Method handler = Handlers.class.getDeclaredMethod(method);
        ReflectionUtils.makeAccessible(handler);
        return handler.invoke(new Handlers());
    }

    private static ServletWebRequest request(String accept, String produces) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
        request.setAsyncSupported(true);
        if (!accept.isEmpty()) {
            request.addHeader("Accept", accept);
        }
        if (!produces.isEmpty()) {
            request.setAttribute(HandlerMapping.PRODUCIBLE_MEDIA_TYPES_ATTRIBUTE,
                    Set.of(MediaType.valueOf(produces)));
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        WebAsyncUtils.getAsyncManager(request).setAsyncWebRequest(new StandardServletAsyncWebRequest(request,
                response));
        return new ServletWebRequest(request, response);
    }

    /** Handler methods; their values never complete, so that nothing is written. */
    static class Handlers {

        Flux<Integer> numbers() {
            return Flux.never();
        }

        Flux<String> texts() {
            return Flux.never();
        }

        Flux<ServerSentEvent<Integer>> events() {
            return Flux.never();
        }

        Mono<Integer> one() {
            return Mono.never();
        }

        CompletableFuture<Integer> future() {
            return new CompletableFuture<>();
        }

        ResponseEntity<Flux<Integer>> numbersInAnEntity() {
            return ResponseEntity.ok(Flux.never());
        }

        ResponseEntity<Flux<Integer>> numbersInAnEventStreamEntity() {
            return ResponseEntity.ok().contentType(MediaType.TEXT_EVENT_STREAM).body(Flux.never());
        }

        ResponseEntity<Flux<Integer>> numbersInAJsonEntity() {
            return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(Flux.never());
        }

        ResponseEntity<Mono<Integer>> oneInAnEntity() {
            return ResponseEntity.ok(Mono.never());
        }

        SseEmitter emitter() {
            return new SseEmitter();
        }

        ResponseEntity<?> emitterInAnyEntity() {
            return ResponseEntity.ok(new SseEmitter());
        }

        ResponseEntity<?> numbersInAnyEntity() {
            return ResponseEntity.ok(Flux.never());
        }

        ResponseEntity<?> oneInAnyEntity() {
            return ResponseEntity.ok(Mono.never());
        }

        ResponseEntity<?> textInAnyEntity() {
            return ResponseEntity.ok("text");
        }

        ResponseEntity<?> emptyEntity() {
            return ResponseEntity.ok().build();
        }
    }
}

package dev.durablestash.spring.web.reactive.firsthour;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.ReactiveStash;
import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.testsupport.ExpectedLogs;

import reactor.core.publisher.Mono;

/**
 * On WebFlux as on Spring MVC, a handler that fails stashes nothing, also when what answers its error stashes:
 * an {@code @ExceptionHandler} (or a {@code WebExceptionHandler} ahead of the starter's) that rotates the sid,
 * which stashes the bound views first, or that stashes a {@link ReactiveStash} the failed handler kept. Each
 * finds the views as stored, and stores neither the failed handler's change nor its own.
 */
@SpringBootTest(classes = FailedHandlerWebFluxTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory" })
class FailedHandlerWebFluxTests {

    static final String HELD = FailedHandlerWebFluxTests.class.getName() + ".held";

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash");

    @LocalServerPort
    int port;

    final Map<String, String> cookies = new LinkedHashMap<>();

    @Test
    void aRotationInTheExceptionHandlerStoresNeitherTheFailedHandlersChangeNorItsOwn() {
        assertThat(send(HttpMethod.POST, "/boom/ok").getResponseBody()).isEqualTo("1");
        String before = cookies.get("sid");
        EntityExchangeResult<String> failed = send(HttpMethod.POST, "/boom/fail-rotate");
        assertThat(failed.getStatus().value()).isEqualTo(409);
        assertThat(failed.getResponseBody()).as("the exception handler sees the count as stored")
                .isEqualTo("rotated 101");
        assertThat(cookies.get("sid")).as("the sid was rotated").isNotEqualTo(before);
        assertThat(send(HttpMethod.GET, "/boom").getResponseBody()).as("count stored after the failed handler")
                .isEqualTo("1");
    }

    @Test
    void aStashInTheExceptionHandlerOfAHandleTheFailedHandlerKeptStoresNothing() {
        assertThat(send(HttpMethod.POST, "/boom/ok").getResponseBody()).isEqualTo("1");
        EntityExchangeResult<String> failed = send(HttpMethod.POST, "/boom/fail-keep");
        assertThat(failed.getStatus().value()).isEqualTo(409);
        assertThat(send(HttpMethod.GET, "/boom").getResponseBody()).as("count stored after the failed handler")
                .isEqualTo("1");
    }

    @Test
    void aStashInTheExceptionHandlerOfAHandleAHandlerFailingLaterKeptStoresNothing() {
        assertThat(send(HttpMethod.POST, "/boom/ok").getResponseBody()).isEqualTo("1");
        EntityExchangeResult<String> failed = send(HttpMethod.POST, "/boom/fail-keep-later");
        assertThat(failed.getStatus().value()).isEqualTo(409);
        assertThat(send(HttpMethod.GET, "/boom").getResponseBody()).as("count stored after the failed handler")
                .isEqualTo("1");
    }

    @Test
    void aRotationInAWebExceptionHandlerAnsweringAFailedRouteStoresNothingOfTheRoute() {
        assertThat(send(HttpMethod.POST, "/route/ok").getResponseBody()).isEqualTo("count=1");
        String before = cookies.get("sid");
        EntityExchangeResult<String> failed = send(HttpMethod.POST, "/route/fail");
        assertThat(failed.getStatus().value()).isEqualTo(409);
        assertThat(cookies.get("sid")).as("the sid was rotated").isNotEqualTo(before);
        assertThat(send(HttpMethod.GET, "/route").getResponseBody()).as("count stored after the failed route")
                .isEqualTo("count=1");
    }

    private EntityExchangeResult<String> send(HttpMethod method, String path) {
        WebTestClient client = WebTestClient.bindToServer().baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30)).build();
        EntityExchangeResult<String> result = client.method(method).uri(path).headers(headers -> {
            cookies.forEach((name, value) -> headers.add("Cookie", name + "=" + value));
            headers.add("X-Stash-Mounts", "1");
        }).exchange().expectBody(String.class).returnResult();
        for (List<ResponseCookie> set : result.getResponseCookies().values()) {
            for (ResponseCookie cookie : set) {
                cookies.put(cookie.getName(), cookie.getValue());
            }
        }
        return result;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
    @Import(BoomController.class)
    static class App {

        @Bean
        RouterFunction<ServerResponse> routes(StashedRoutes stashes) {
            return RouterFunctions.route()
                    .GET("/route", request -> stashes.recover(request, Clicks.class)
                            .flatMap(c -> ServerResponse.ok().bodyValue("count=" + c.count)))
                    .POST("/route/ok", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                        c.count++;
                        return ServerResponse.ok().bodyValue("count=" + c.count);
                    }))
                    .POST("/route/fail", request -> stashes.recover(request, Clicks.class).flatMap(c -> {
                        c.count += 100;
                        return Mono.error(new IllegalStateException("the route failed"));
                    }))
                    .build();
        }

        /** Answers the failed route's error ahead of the starter's handler, rotating the sid first. */
        @Bean
        @Order(-20)
        WebExceptionHandler rotateOnRouteError() {
            return (exchange, ex) -> {
                if (!exchange.getRequest().getPath().value().equals("/route/fail")) {
                    return Mono.error(ex);
                }
                return ReactiveBrowserSession.of(exchange).rotate().then(Mono.defer(() -> {
                    exchange.getResponse().setStatusCode(HttpStatus.CONFLICT);
                    return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory()
                            .wrap("rotated".getBytes(StandardCharsets.UTF_8))));
                }));
            };
        }
    }

    /** An atomic view that a functional route recovers. */
    public static class Clicks {

        @Stashed
        int count;
    }

    @RestController
    @RequestMapping("/boom")
    static class BoomController {

        @Stashed
        int count;

        @GetMapping
        String show() {
            return Integer.toString(count);
        }

        @PostMapping("/ok")
        String ok() {
            count++;
            return Integer.toString(count);
        }

        @PostMapping("/fail-rotate")
        String failRotate() {
            count++;
            throw new IllegalStateException("boom");
        }

        /** Keeps its view's handle where the exception handler finds it. */
        @PostMapping("/fail-keep")
        String failKeep(ReactiveStash stash, ServerWebExchange exchange) {
            exchange.getAttributes().put(HELD, stash);
            count++;
            throw new UnsupportedOperationException("boom");
        }

        /** As {@code /fail-keep}, failing in the {@code Mono} it returns. */
        @PostMapping("/fail-keep-later")
        Mono<String> failKeepLater(ReactiveStash stash, ServerWebExchange exchange) {
            exchange.getAttributes().put(HELD, stash);
            return Mono.defer(() -> {
                count++;
                return Mono.error(new UnsupportedOperationException("boom"));
            });
        }

        @ExceptionHandler(IllegalStateException.class)
        Mono<ResponseEntity<String>> rotateOnError(IllegalStateException e, ServerWebExchange exchange) {
            return Mono.fromRunnable(() -> count += 100).then(ReactiveBrowserSession.of(exchange).rotate())
                    .then(Mono.fromSupplier(() -> ResponseEntity.status(409).body("rotated " + count)));
        }

        @ExceptionHandler(UnsupportedOperationException.class)
        Mono<ResponseEntity<String>> stashOnError(UnsupportedOperationException e, ServerWebExchange exchange) {
            ReactiveStash held = exchange.getAttribute(HELD);
            return Mono.fromRunnable(() -> count += 100).then(held.stash())
                    .then(Mono.fromSupplier(() -> ResponseEntity.status(409).body("stashed " + count)));
        }
    }
}

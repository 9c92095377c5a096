package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.core.annotation.Order;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.aftercommit.AfterCommitTestApplication;

import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * A programmatic login, a change and a response without a body, whose stash runs after the filters: in
 * the handler's Reactor context, where Spring Security's is, also when the view was first bound by a
 * functional route, or by an application filter ahead of Spring Security's within a context of its own.
 * Each time the planted anonymous sid keeps nothing.
 */
@SpringBootTest(classes = { AfterCommitTestApplication.class, WebFluxHandlerContextAtTheCommitTests.Routes.class,
        WebFluxHandlerContextAtTheCommitTests.AnnotatedNotes.class }, webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
                "durable-stash.operation-timeout=5s" })
class WebFluxHandlerContextAtTheCommitTests {

    /** A state class, recovered by the routes, the early filter and the annotated handler. */
    public static class ContextNotes {

        @Stashed
        String note;
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Routes {

        @Bean
        RouterFunction<ServerResponse> contextNotesRoutes(StashedRoutes stashes) {
            return RouterFunctions.route()
                    .GET("/ctx/show", request -> stashes.recover(request, ContextNotes.class)
                            .flatMap(notes -> ServerResponse.ok().bodyValue("note=" + notes.note)))
                    .POST("/ctx/save", request -> stashes.recover(request, ContextNotes.class).flatMap(notes -> {
                        notes.note = request.queryParam("note").orElseThrow();
                        return ServerResponse.ok().bodyValue("saved");
                    }))
                    .POST("/ctx/route/login-set-no-body", request -> stashes.recover(request, ContextNotes.class)
                            .flatMap(notes -> AfterCommitTestApplication.loginAsAda(request.exchange())
                                    .then(Mono.fromRunnable(
                                            () -> notes.note = request.queryParam("note").orElseThrow())))
                            .then(ServerResponse.ok().build()))
                    .build();
        }

        /** An application filter ahead of Spring Security's that recovers the view in a context of its own. */
        @Bean
        @Order(-500)
        WebFilter earlyRecover(StashedRoutes stashes, ServerCodecConfigurer codecs) {
            return (exchange, chain) -> {
                if (!exchange.getRequest().getPath().value().startsWith("/ctx/early/")) {
                    return chain.filter(exchange);
                }
                ServerRequest request = ServerRequest.create(exchange, codecs.getReaders());
                return stashes.recover(request, ContextNotes.class).contextWrite(Context.of("tenant", "t1"))
                        .then(chain.filter(exchange));
            };
        }
    }

    /** A handler taking the state class as an argument, answering without a body. */
    @RestController
    static class AnnotatedNotes {

        @PostMapping({ "/ctx/annotated/login-set-no-body", "/ctx/early/annotated/login-set-no-body" })
        Mono<Void> loginSetNoBody(ContextNotes notes, @RequestParam String note, ServerWebExchange exchange) {
            return AfterCommitTestApplication.loginAsAda(exchange).then(Mono.fromRunnable(() -> notes.note = note));
        }
    }

    @LocalServerPort
    int port;

    @Test
    void aFunctionalRoute() {
        assertThat(attack("/ctx/route/login-set-no-body")).isEqualTo(ROTATED);
    }

    @Test
    void anAnnotatedHandler() {
        assertThat(attack("/ctx/annotated/login-set-no-body")).isEqualTo(ROTATED);
    }

    /** Before the fix the context of the first bind was kept: the filter's, without the security context. */
    @Test
    void anAnnotatedHandlerWhoseViewAFilterAheadOfSpringSecurityBoundFirst() {
        assertThat(attack("/ctx/early/annotated/login-set-no-body")).isEqualTo(ROTATED);
    }

    private static final String ROTATED = "status=200 rotated=true attacker sees note=null victim sees note=ada-secret";

    private String attack(String loginPath) {
        Browser attacker = new Browser(port);
        attacker.post("/ctx/save?note=attacker");
        String planted = attacker.cookies.get("sid");
        Browser victim = attacker.plantSidInNewBrowser();
        Browser.Response login = victim.post(loginPath + "?note=ada-secret");
        String sidAfterLogin = victim.cookies.get("sid");
        String attackersView = attacker.get("/ctx/show").body(); // before the victim's next request
        String victimsView = victim.get("/ctx/show").body();
        return "status=" + login.status() + " rotated=" + !planted.equals(sidAfterLogin) + " attacker sees "
                + attackersView + " victim sees " + victimsView;
    }
}

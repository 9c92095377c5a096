package dev.durablestash.spring.web.reactive.threads;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.Stashed;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.ReactiveStash;

import reactor.core.publisher.Mono;

/** A view controller whose handlers answer the name of the thread their code continues on. */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class ThreadsApplication {

    @Controller
    @RequestMapping("/threads")
    public static class ThreadsView {

        @Stashed
        int count;

        @GetMapping
        @ResponseBody
        String show() {
            return "count=" + count;
        }

        /** Where the handler's own code runs right after the recover. */
        @PostMapping("/thread")
        @ResponseBody
        Mono<String> thread() {
            return Mono.fromSupplier(() -> Thread.currentThread().getName());
        }

        /** Where the handler's code continues after an explicit ReactiveStash.stash(). */
        @PostMapping("/stash-thread")
        @ResponseBody
        Mono<String> stashThread(ReactiveStash stash) {
            count++;
            return stash.stash().then(Mono.fromSupplier(() -> Thread.currentThread().getName()));
        }

        /** Where the handler's code continues after ReactiveStash.reset(). */
        @PostMapping("/reset-thread")
        @ResponseBody
        Mono<String> resetThread(ReactiveStash stash) {
            return stash.reset().then(Mono.fromSupplier(() -> Thread.currentThread().getName()));
        }

        /** Where the handler's code continues after ReactiveBrowserSession.rotate(). */
        @PostMapping("/rotate-thread")
        @ResponseBody
        Mono<String> rotateThread(ServerWebExchange exchange) {
            count++;
            return ReactiveBrowserSession.of(exchange).rotate()
                    .then(Mono.fromSupplier(() -> Thread.currentThread().getName()));
        }
    }
}

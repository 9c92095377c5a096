package com.example.reactive;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.server.ServerWebExchange;

import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;

import reactor.core.publisher.Mono;

@Controller
class AccountController {
  @PostMapping("/switch-account")
  Mono<String> switchAccount(ServerWebExchange exchange) {
    return ReactiveBrowserSession.of(exchange).rotate()     // or .end() to forget everything
        .thenReturn("redirect:/");
  }
}

package dev.durablestash.spring.web.reactive.viewturns;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import reactor.core.publisher.Mono;

/** A read-modify-write of the cart held at the gate while it holds the turn. */
@RestController
public class CartHeldController {

    @PostMapping("/m/held")
    Mono<String> held(CartPageController.Cart cart) {
        int seen = cart.count;
        ViewTurnsApplication.entered.complete(null);
        return Mono.fromFuture(ViewTurnsApplication.released).then(Mono.fromSupplier(() -> {
            cart.count = seen + 1;
            return "count=" + cart.count;
        }));
    }
}

package dev.durablestash.spring.web.servlet.declarations.used;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Stashed;

/** A controller view with an inherited field, that takes a {@link UsedState} argument. */
@RestController
public class UsedController extends BaseState {

    @Stashed int count;

    @GetMapping("/used")
    String show(UsedState state) {
        return theme + ";" + count + ";" + state.visits;
    }
}

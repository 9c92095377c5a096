package dev.durablestash.spring.web.reactive.twoviews;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/** A WebFlux app whose one handler changes two views in the same exchange. */
@SpringBootApplication(excludeName = { "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
        "org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration" })
public class TwoViewsTestApplication {

    /** A view state class taken as a handler-method argument. */
    public static class Shelf {

        @Stashed
        List<String> items = new ArrayList<>();
    }

    /** A view controller (its own {@code @Stashed} field) that also takes a view state class. */
    @Controller
    @RequestMapping("/two")
    public static class TwoViewsController {

        @Stashed
        int count;

        @GetMapping
        @ResponseBody
        String show(Shelf shelf) {
            return "count=" + count + ";items=" + shelf.items;
        }

        @PostMapping("/add")
        @ResponseBody
        String add(Shelf shelf) {
            count++;
            shelf.items.add("x" + count);
            return "count=" + count + ";items=" + shelf.items;
        }
    }
}

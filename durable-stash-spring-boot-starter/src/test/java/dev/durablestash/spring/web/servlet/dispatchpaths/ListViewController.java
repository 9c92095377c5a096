package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/**
 * A view controller whose list and map its handlers change in place; one succeeds and forwards to
 * one that fails, whose exception handler forwards to a third.
 */
@Controller
class ListViewController {

    @Stashed List<String> items = new ArrayList<>();
    @Stashed Map<String, Integer> counts = new LinkedHashMap<>();

    @RequestMapping("/lv/show")
    @ResponseBody
    String show() {
        return items + " " + counts;
    }

    @PostMapping("/lv/add")
    @ResponseBody
    String add(@RequestParam String text) {
        items.add(text);
        counts.merge(text, 1, Integer::sum);
        return show();
    }

    @PostMapping("/lv/okthenbad")
    String okThenBad() {
        items.add("ok");
        counts.merge("ok", 1, Integer::sum);
        return "forward:/lv/bad";
    }

    @PostMapping("/lv/bad")
    String bad() {
        items.add("bad");
        items.remove(0);
        counts.put("bad", 1);
        counts.merge("ok", 10, Integer::sum);
        throw new IllegalStateException("bad");
    }

    @ExceptionHandler(IllegalStateException.class)
    String onBad() {
        return "forward:/lv/show";
    }
}

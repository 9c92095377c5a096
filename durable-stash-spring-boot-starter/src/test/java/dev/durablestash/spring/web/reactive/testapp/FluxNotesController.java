package dev.durablestash.spring.web.reactive.testapp;

import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stashed;

/** A view whose handlers take typed input: a number from the query, and a JSON request body. */
@Controller
public class FluxNotesController {

    @Stashed @Nullable String title;
    @Stashed int count;

    /** The JSON body {@code POST /notes/json} expects. */
    record Note(String title, int count) {
    }

    @GetMapping("/notes")
    @ResponseBody
    String show() {
        return "title=" + title + ";count=" + count;
    }

    @PostMapping("/notes/add")
    @ResponseBody
    String add(@RequestParam int amount) {
        count += amount;
        return show();
    }

    @PostMapping(path = "/notes/json", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseBody
    String replace(@RequestBody Note note) {
        title = note.title();
        count = note.count();
        return show();
    }
}

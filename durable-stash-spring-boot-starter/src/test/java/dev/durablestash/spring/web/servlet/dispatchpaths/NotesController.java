package dev.durablestash.spring.web.servlet.dispatchpaths;

import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.stereotype.Controller;

/** A singleton controller whose handlers take {@link Notes}. */
@Controller
class NotesController {

    @GetMapping("/notes")
    @ResponseBody
    String notes(Notes notes) {
        return notes.notes + " binderCalls=" + notes.binderCalls + " draft=" + notes.draft;
    }

    @PostMapping("/notes")
    @ResponseBody
    String add(Notes notes, @RequestParam String text) {
        notes.notes.add(text);
        return String.valueOf(notes.notes);
    }

    @PostMapping("/notes/draft")
    @ResponseBody
    String draft(Notes notes, @RequestParam String text) {
        notes.draft = text;
        return "ok";
    }

    @PostMapping("/notes/redirect")
    String addAndRedirect(Notes notes, @RequestParam String text) {
        notes.notes.add(text);
        return "redirect:/notes";
    }

    /** Throws after changing the view: Boot's error page renders a 500. */
    @PostMapping("/notes/boom")
    String boom(Notes notes) {
        notes.notes.add("boom");
        throw new IllegalStateException("boom");
    }

    /** Throws after changing the view: answered by the exception handler below, which forwards. */
    @PostMapping("/notes/bad")
    String bad(Notes notes) {
        notes.notes.add("bad");
        throw new IllegalArgumentException("bad");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    String onBad() {
        return "forward:/notes/fallback";
    }

    @PostMapping("/notes/fallback")
    @ResponseBody
    String fallback(Notes notes) {
        return "fallback " + notes.notes;
    }

    @CrossOrigin(origins = "http://other.example")
    @PostMapping("/notes/cors")
    @ResponseBody
    String cors(Notes notes, @RequestParam String text) {
        notes.notes.add(text);
        return "ok";
    }
}

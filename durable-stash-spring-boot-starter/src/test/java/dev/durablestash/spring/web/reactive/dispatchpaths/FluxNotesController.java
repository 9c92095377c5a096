package dev.durablestash.spring.web.reactive.dispatchpaths;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/** A singleton controller whose handlers take {@link FluxNotes}; forms are bound with {@code @ModelAttribute}. */
@RestController
class FluxNotesController {

    @GetMapping("/notes")
    String notes(FluxNotes notes) {
        return notes.notes + " draft=" + notes.draft;
    }

    @PostMapping("/notes")
    String add(FluxNotes notes, @ModelAttribute NoteForm form) {
        notes.notes.add(form.getText());
        return String.valueOf(notes.notes);
    }

    @PostMapping("/notes/draft")
    String draft(FluxNotes notes, @ModelAttribute NoteForm form) {
        notes.draft = form.getText();
        return "ok";
    }

    @PostMapping("/notes/redirect")
    ResponseEntity<Void> addAndRedirect(FluxNotes notes, @ModelAttribute NoteForm form) {
        notes.notes.add(form.getText());
        return ResponseEntity.status(HttpStatus.SEE_OTHER).location(URI.create("/notes")).build();
    }

    @PostMapping("/notes/boom")
    String boom(FluxNotes notes) {
        notes.notes.add("boom");
        throw new ResponseStatusException(HttpStatus.CONFLICT, "boom");
    }

    @CrossOrigin(origins = "http://other.example")
    @PostMapping("/notes/cors")
    String cors(FluxNotes notes, @ModelAttribute NoteForm form) {
        notes.notes.add(form.getText());
        return "ok";
    }

    public static class NoteForm {
        private String text;

        public String getText() {
            return text;
        }

        public void setText(String text) {
            this.text = text;
        }
    }
}

package dev.durablestash.spring.web.servlet.dispatchpaths;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.durablestash.spring.Stash;

/**
 * Takes {@link Notes} for every controller, Boot's {@code BasicErrorController} among them, and records
 * in which dispatch it ran, the instance and what it held.
 */
@ControllerAdvice
class NotesAdvice {

    @ModelAttribute
    void seen(Notes notes, Stash stash, HttpServletRequest request) {
        DispatchPathsApplication.SEEN.add("advice " + request.getDispatcherType() + " " + System.identityHashCode(notes)
                + " " + notes.notes + " " + stash.status());
    }
}

package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;

/**
 * Forwards whose failed or successful handler is told by the request's error exception attribute
 * ({@code jakarta.servlet.error.exception}): a second failure in the handler an exception handler
 * forwarded to, an exception handler that forwards by itself, a handler reached by an exception
 * handler's forward that forwards by itself, and a handler that forwards by itself while an
 * application filter has set the attribute. Every forward ends at {@code /fa/show}.
 */
@Controller
class ForwardAfterFailureController {

    /** Answered by a forward to {@code /fa2/recover}, a handler that fails in turn. */
    static final class FailedThenFailing extends RuntimeException {
        FailedThenFailing() {
            super("failed", null, false, false);
        }
    }

    /** Answered by a forward to {@code /fa2/show}, a handler that fails. */
    static final class FailedAgain extends RuntimeException {
        FailedAgain() {
            super("failed again", null, false, false);
        }
    }

    /** Answered by an exception handler that forwards with the Servlet API. */
    static final class FailedForwardedByHand extends RuntimeException {
        FailedForwardedByHand() {
            super("failed", null, false, false);
        }
    }

    /** Answered by a forward to {@code /fa2/recoverbyhand}, which forwards by itself. */
    static final class FailedThenRecovered extends RuntimeException {
        FailedThenRecovered() {
            super("failed", null, false, false);
        }
    }

    @PostMapping("/fa2/bad")
    String bad(Notes notes) {
        notes.notes.add("bad");
        throw new FailedThenFailing();
    }

    @ExceptionHandler(FailedThenFailing.class)
    String onFailedThenFailing() {
        return "forward:/fa2/recover";
    }

    /** Reached by the forward of an exception handler: changes the view, then fails too. */
    @PostMapping("/fa2/recover")
    String recoverBadly(Notes notes) {
        notes.notes.add("recovering");
        throw new FailedAgain();
    }

    @ExceptionHandler(FailedAgain.class)
    String onFailedAgain() {
        return "forward:/fa/show";
    }

    @PostMapping("/fa2/byhand")
    String badAnsweredByHand(Notes notes) {
        notes.notes.add("bad");
        throw new FailedForwardedByHand();
    }

    @ExceptionHandler(FailedForwardedByHand.class)
    void onFailedForwardedByHand(HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        request.getRequestDispatcher("/fa/show").forward(request, response);
    }

    @PostMapping("/fa2/recovered")
    String badThenRecovered(Notes notes) {
        notes.notes.add("bad");
        throw new FailedThenRecovered();
    }

    @ExceptionHandler(FailedThenRecovered.class)
    String onFailedThenRecovered() {
        return "forward:/fa2/recoverbyhand";
    }

    /** Reached by the forward of an exception handler: changes the view and forwards by itself. */
    @PostMapping("/fa2/recoverbyhand")
    void recoverByHand(Notes notes, HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        notes.notes.add("recovered");
        request.getRequestDispatcher("/fa/show").forward(request, response);
    }

    /** Behind a filter that sets the request's error exception attribute; forwards by itself. */
    @PostMapping("/fa2/filtered/selfforward")
    void filteredSelfForward(Notes notes, HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        notes.notes.add("forwarded");
        request.getRequestDispatcher("/fa/show").forward(request, response);
    }
}

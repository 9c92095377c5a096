package dev.durablestash.spring.web.servlet.dispatchpaths;

import java.io.IOException;
import java.util.concurrent.Callable;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseBody;

import dev.durablestash.spring.Stash;
import dev.durablestash.spring.Stashed;

/**
 * Forwards after failed and successful handlers of {@link Notes} and of a {@link Tally}: chains, an
 * include inside a failed handler, a {@code stashNow()} or {@code reset()} before the throw, an
 * asynchronous handler whose result is an exception, an advice's exception handler, and a forward the
 * handler itself makes.
 */
@Controller
class ForwardAttackController {

    /** Answered by this controller's exception handler, with a forward to {@code /fa/show}. */
    static final class Failed extends RuntimeException {
        Failed() {
            super("failed", null, false, false);
        }
    }

    /** Answered by {@link Advice}'s exception handler, with a forward to {@code /fa/show}. */
    static final class FailedForAdvice extends RuntimeException {
        FailedForAdvice() {
            super("failed", null, false, false);
        }
    }

    /** An atomic view the racing requests count in. */
    static class Tally {
        @Stashed int n;
    }

    @RequestMapping("/fa/show")
    @ResponseBody
    String show(Notes notes) {
        return "show " + notes.notes;
    }

    @PostMapping("/fa/chain/a")
    String chainA(Notes notes) {
        notes.notes.add("A");
        return "forward:/fa/chain/b";
    }

    @PostMapping("/fa/chain/b")
    String chainB(Notes notes) {
        notes.notes.add("B");
        return "forward:/fa/chain/c";
    }

    @PostMapping("/fa/chain/c")
    @ResponseBody
    String chainC(Notes notes) {
        notes.notes.add("C");
        return "chain " + notes.notes;
    }

    @PostMapping("/fa/okthenbad")
    String okThenBad(Notes notes) {
        notes.notes.add("ok");
        return "forward:/fa/bad";
    }

    @PostMapping("/fa/bad")
    String bad(Notes notes) {
        notes.notes.add("bad");
        throw new Failed();
    }

    @ExceptionHandler(Failed.class)
    String onFailed() {
        return "forward:/fa/show";
    }

    @PostMapping("/fa/stashnowbad")
    String stashNowThenBad(Notes notes, Stash stash) {
        notes.notes.add("kept");
        stash.stashNow();
        notes.notes.add("bad");
        throw new Failed();
    }

    @PostMapping("/fa/resetbad")
    String resetThenBad(Notes notes, Stash stash) {
        stash.reset();
        notes.notes.add("bad");
        throw new Failed();
    }

    @PostMapping("/fa/asyncbad")
    Callable<String> asyncBad(Notes notes) {
        return () -> {
            notes.notes.add("bad");
            throw new Failed();
        };
    }

    @PostMapping("/fa/advicebad")
    String adviceBad(Notes notes) {
        notes.notes.add("bad");
        throw new FailedForAdvice();
    }

    /** Forwards by itself (the Servlet API), after a change: not a failure. */
    @PostMapping("/fa/selfforward")
    void selfForward(Notes notes, HttpServletRequest request, HttpServletResponse response)
            throws ServletException, IOException {
        notes.notes.add("forwarded");
        request.getRequestDispatcher("/fa/show").forward(request, response);
    }

    @PostMapping("/fa/tally/inc")
    @ResponseBody
    String inc(Tally tally) {
        tally.n++;
        return String.valueOf(tally.n);
    }

    @PostMapping("/fa/tally/bad")
    String incBad(Tally tally) {
        tally.n += 1000;
        throw new Failed();
    }

    @RequestMapping("/fa/tally")
    @ResponseBody
    String tally(Tally tally) {
        return String.valueOf(tally.n);
    }

    @ControllerAdvice(assignableTypes = ForwardAttackController.class)
    static class Advice {

        @ExceptionHandler(FailedForAdvice.class)
        String onFailed() {
            return "forward:/fa/show";
        }
    }
}

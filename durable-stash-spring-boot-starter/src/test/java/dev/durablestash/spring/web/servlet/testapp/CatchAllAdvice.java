package dev.durablestash.spring.web.servlet.testapp;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** An application catch-all that would turn any exception into a 200: it must not swallow a failed stash. */
@RestControllerAdvice
class CatchAllAdvice {

    @ExceptionHandler(Exception.class)
    ResponseEntity<String> handle(Exception e) {
        return ResponseEntity.ok("caught " + e.getClass().getSimpleName());
    }
}

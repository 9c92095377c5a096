package dev.durablestash.spring.web.reactive.testapp;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import reactor.blockhound.BlockingOperationError;

/** Blocks the thread it runs on, on purpose: the event-loop check must catch it. */
@RestController
public class BlockingController {

    @GetMapping("/blocking")
    String blocking() throws InterruptedException {
        try {
            Thread.sleep(1);
            return "slept on " + Thread.currentThread().getName();
        } catch (BlockingOperationError e) {
            return "refused on " + Thread.currentThread().getName();
        }
    }
}

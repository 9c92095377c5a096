package dev.durablestash.spring.web.reactive.testapp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.codec.multipart.FilePart;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Return types and request bodies the other test controllers do not cover. */
@RestController
@RequestMapping("/r9")
public class EdgeCaseController {

    @Stashed
    int count;

    @Stashed(scope = Scope.RECONNECT)
    String draft;

    @GetMapping
    String show() {
        return "count=" + count + ";draft=" + draft;
    }

    @PostMapping("/draft")
    String draft(@RequestParam String d) {
        draft = d;
        return "draft=" + draft;
    }

    /** A multipart form (a file upload) that the page's script gave a hidden _mounts field. */
    @PostMapping(path = "/upload", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    String upload() {
        return "draft=" + draft;
    }

    /** An upload form whose handler takes its file part and a form binding takes its field. */
    @PostMapping(path = "/upload-file", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    Mono<String> uploadFile(@RequestPart("file") Mono<FilePart> file, @RequestPart("note") String note) {
        return file.flatMap(part -> DataBufferUtils.join(part.content())).map(buffer -> {
            String text = buffer.toString(StandardCharsets.UTF_8);
            DataBufferUtils.release(buffer);
            return "draft=" + draft + ";file=" + text + ";note=" + note;
        });
    }

    /** Reads the raw request body, as a handler (or a proxying handler) may. */
    @PostMapping(path = "/raw", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    Mono<String> raw(org.springframework.http.server.reactive.ServerHttpRequest request) {
        count++;
        return org.springframework.core.io.buffer.DataBufferUtils.join(request.getBody()).map(buffer -> {
            String text = buffer.toString(StandardCharsets.UTF_8);
            org.springframework.core.io.buffer.DataBufferUtils.release(buffer);
            return "raw=" + text;
        }).defaultIfEmpty("raw=<empty>");
    }

    /** Writes the response itself. */
    @PostMapping("/direct")
    Mono<Void> direct(ServerHttpResponse response) {
        count++;
        return response.writeWith(Mono.just(response.bufferFactory().wrap(("count=" + count)
                .getBytes(StandardCharsets.UTF_8))));
    }

    /** Completes the response itself, without a body. */
    @PostMapping("/complete")
    Mono<Void> complete(ServerHttpResponse response) {
        count++;
        return response.setComplete();
    }

    /** Server-sent events. */
    @GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<String> sse() {
        count++;
        return Flux.just("a", "b").delayElements(Duration.ofMillis(10));
    }

    /** Never answers: the client gives up. */
    @PostMapping("/hang")
    Mono<String> hang() {
        count++;
        return Mono.never();
    }
}

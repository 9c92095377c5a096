package dev.durablestash.spring.web.reactive.testapp;

import java.nio.charset.StandardCharsets;

import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.durablestash.spring.Scope;
import dev.durablestash.spring.Stashed;

import reactor.core.publisher.Mono;

/** Handlers that read a request body themselves, in ways other than {@code @RequestBody}: a raw multipart upload. */
@RestController
@RequestMapping("/rvc")
public class RawBodyUploadController {

    @Stashed(scope = Scope.RECONNECT)
    String draft;

    @GetMapping
    String show() {
        return "draft=" + draft;
    }

    @PostMapping("/draft")
    String draft(@org.springframework.web.bind.annotation.RequestParam String d) {
        draft = d;
        return "draft=" + draft;
    }

    /** A multipart body read raw through the request (a proxying or streaming upload handler). */
    @PostMapping(path = "/multipart-raw", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    Mono<String> multipartRaw(ServerHttpRequest request) {
        return DataBufferUtils.join(request.getBody()).map(buffer -> {
            String text = buffer.toString(StandardCharsets.UTF_8);
            DataBufferUtils.release(buffer);
            return "bytes=" + text.length() + ";hasFile=" + text.contains("file-content");
        }).defaultIfEmpty("raw=<empty>");
    }
}

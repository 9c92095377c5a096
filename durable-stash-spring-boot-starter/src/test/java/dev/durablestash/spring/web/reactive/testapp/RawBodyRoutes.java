package dev.durablestash.spring.web.reactive.testapp;

import java.nio.charset.StandardCharsets;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.function.BodyExtractors;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.durablestash.spring.web.reactive.StashedRoutes;

/** Functional routes that read the raw body after recovering a view. */
@Configuration(proxyBeanMethods = false)
public class RawBodyRoutes {

    @Bean
    RouterFunction<ServerResponse> rawBodyRouter(StashedRoutes stashes) {
        return RouterFunctions.route()
                .POST("/rvc-route/multipart-raw", request -> stashes.recover(request, Tally.class)
                        .flatMap(tally -> DataBufferUtils.join(request.body(BodyExtractors.toDataBuffers()))
                                .map(RawBodyRoutes::text).defaultIfEmpty("<empty>"))
                        .flatMap(text -> ServerResponse.ok().bodyValue("hasFile=" + text.contains("file-content"))))
                .build();
    }

    private static String text(DataBuffer buffer) {
        String text = buffer.toString(StandardCharsets.UTF_8);
        DataBufferUtils.release(buffer);
        return text;
    }
}

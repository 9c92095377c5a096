package dev.durablestash.spring.web.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.web.reactive.function.BodyInserters;

import dev.durablestash.spring.web.reactive.testapp.FluxTestApplication;
import dev.durablestash.testsupport.ExpectedLogs;


/**
 * The mount-kind lookup in a multipart body ({@code exchange.getMultipartData()}) consumes the
 * body before the handler runs; {@code @RequestBody}, {@code HttpEntity} and {@code ServerHttpRequest}
 * parameters are spared, and a raw read after the lookup fails instead of finding the body empty (a
 * urlencoded body is replayed for every reader).
 */
@SpringBootTest(classes = FluxTestApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "durable-stash.storage.type=memory",
        "durable-stash.operation-timeout=3s" })
class WebFluxRawBodyTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.boot",
            "org.springframework.web");

    @LocalServerPort
    int port;

    FluxClient browser;

    @BeforeEach
    void openBrowser() {
        browser = new FluxClient(port);
    }

    private EntityExchangeResult<String> multipart(String path, MultipartBodyBuilder form) {
        return browser.client.post().uri(path).header("Cookie", "sid=" + browser.sid())
                .contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(form.build()))
                .exchange().expectBody(String.class).returnResult();
    }

    private static MultipartBodyBuilder uploadForm() {
        MultipartBodyBuilder form = new MultipartBodyBuilder();
        form.part("_mounts", "1");
        form.part("file", "file-content").filename("a.txt");
        return form;
    }

    @Test
    void aViewHandlerReadingAMultipartBodyRawThroughTheRequestStillGetsIt() {
        browser.get("/rvc");
        EntityExchangeResult<String> upload = multipart("/rvc/multipart-raw", uploadForm());
        assertThat(upload.getStatus().value()).isEqualTo(200);
        assertThat(upload.getResponseBody()).as("as for a urlencoded form (/r9/raw)").contains("hasFile=true");
    }

    @Test
    void aFunctionalRouteReadingAMultipartBodyRawAfterTheLookupParsedItFailsLoudly() {
        logs.expect(Level.ERROR, "500 Server Error for HTTP POST \"/rvc-route/multipart-raw\"");
        browser.get("/rvc");
        EntityExchangeResult<String> upload = multipart("/rvc-route/multipart-raw", uploadForm());
        assertThat(upload.getStatus().value()).as("not a silently empty body").isEqualTo(500);
    }

    @Test
    void aFunctionalRouteReadingAMultipartBodyRawAfterRecoverGetsItWhenTheQueryNamesTheMountKind() {
        browser.get("/rvc");
        EntityExchangeResult<String> upload = multipart("/rvc-route/multipart-raw?_mounts=1", uploadForm());
        assertThat(upload.getStatus().value()).isEqualTo(200);
        assertThat(upload.getResponseBody()).isEqualTo("hasFile=true");
    }
}

package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.durablestash.storage.GetResult;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The revalidation interceptor makes an XML 404 to the backend's GETs a successful call, and the backend reads
 * the body as the SDK reads an S3 error: the same crafted 404 through a client without the interceptor and
 * through one with it gives the same outcome (a missing key, or the same failure with the same cause). Seen
 * failing with the first version, which took the first {@code <Code>} anywhere in the body as UTF-8 text: a
 * proxy's SOAP fault quoting an upstream NoSuchKey read as a missing key (and the health check passed), a
 * NoSuchKey in CDATA, in UTF-16, gzipped or after a comment quoting another code was an error, and a missing
 * bucket failed with an S3Exception instead of a NoSuchBucketException and without the body's request id.
 */
class ReadAnswersNotFoundTests {

    private HttpServer server;
    private final List<String> acceptEncoding = new CopyOnWriteArrayList<>();
    private volatile int status = 404;
    private volatile Map<String, String> headers = Map.of();
    private volatile byte[] body = new byte[0];

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            acceptEncoding.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding")));
            headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] page = body;
            exchange.sendResponseHeaders(status, page.length == 0 ? -1 : page.length);
            if (page.length > 0) {
                exchange.getResponseBody().write(page);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private S3AsyncClientBuilder builder(boolean withInterceptor, ExecutionInterceptor... others) {
        S3AsyncClientBuilder builder = AppClients.builder(endpoint(), RequestChecksums.WHEN_REQUIRED);
        builder.overrideConfiguration(c -> {
            c.apiCallTimeout(Duration.ofSeconds(30));
            for (ExecutionInterceptor other : others) {
                c.addExecutionInterceptor(other);
            }
            if (withInterceptor) {
                c.addExecutionInterceptor(S3StorageBackend.revalidationInterceptor());
            }
        });
        return builder;
    }

    private Object outcome(boolean withInterceptor, ExecutionInterceptor... others) throws Exception {
        try (S3AsyncClient client = builder(withInterceptor, others).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(client).build()) {
            try {
                return backend.get("durable-stash/some-session", null).toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            }
        }
    }

    private static String describe(Object outcome) {
        if (outcome instanceof Throwable t) {
            return t.getClass().getSimpleName() + ": " + t.getMessage() + " / cause "
                    + (t.getCause() == null ? null : t.getCause().getClass().getName());
        }
        return outcome.getClass().getSimpleName();
    }

    private void answer404(String contentType, byte[] document) {
        status = 404;
        headers = Map.of("Content-Type", contentType, "x-amz-request-id", "REQ1");
        body = document;
    }

    private void assertSameOutcome(String what) throws Exception {
        String without = describe(outcome(false));
        String with = describe(outcome(true));
        assertThat(with).as("%s: with the interceptor (without it: %s)", what, without).isEqualTo(without);
    }

    /** A proxy's SOAP fault (no S3 store) that quotes an upstream code deep inside: not a missing key. */
    @Test
    void aSoapFaultOfAProxyQuotingNoSuchKeyIsNotAMissingKey() throws Exception {
        answer404("text/xml; charset=utf-8", ("<?xml version=\"1.0\"?><soap:Envelope "
                + "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                + "<faultcode>soap:Client</faultcode><faultstring>route /stash not found</faultstring><detail>"
                + "<LastUpstreamError><Code>NoSuchKey</Code></LastUpstreamError></detail></soap:Fault></soap:Body>"
                + "</soap:Envelope>").getBytes(StandardCharsets.UTF_8));
        assertThat(outcome(true)).as("a non-S3 XML 404 through the interceptor")
                .isNotInstanceOf(GetResult.NotFound.class);
    }

    /** The health check (a GET of a missing probe key) on such an endpoint must fail, as NotAnS3StoreTests wants. */
    @Test
    void theHealthCheckFailsOnAProxysSoapFaultQuotingNoSuchKey() throws Exception {
        answer404("text/xml; charset=utf-8", ("<?xml version=\"1.0\"?><soap:Envelope "
                + "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                + "<faultcode>soap:Client</faultcode><faultstring>route /stash not found</faultstring><detail>"
                + "<LastUpstreamError><Code>NoSuchKey</Code></LastUpstreamError></detail></soap:Fault></soap:Body>"
                + "</soap:Envelope>").getBytes(StandardCharsets.UTF_8));
        try (S3AsyncClient client = builder(true).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(client).build()) {
            Throwable failure = null;
            try {
                backend.check("durable-stash/health-check").toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            }
            assertThat(failure).as("the health check on an endpoint that is no S3 store (an XML SOAP 404)").isNotNull();
        }
    }

    @Test
    void aSoapFaultOfAProxyQuotingNoSuchKeyGivesTheSameOutcome() throws Exception {
        answer404("text/xml; charset=utf-8", ("<?xml version=\"1.0\"?><soap:Envelope "
                + "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                + "<faultcode>soap:Client</faultcode><faultstring>route /stash not found</faultstring><detail>"
                + "<LastUpstreamError><Code>NoSuchKey</Code></LastUpstreamError></detail></soap:Fault></soap:Body>"
                + "</soap:Envelope>").getBytes(StandardCharsets.UTF_8));
        assertSameOutcome("SOAP fault");
    }

    @Test
    void aNoSuchKeyInCdataGivesTheSameOutcome() throws Exception {
        answer404("application/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code><![CDATA[NoSuchKey]]>"
                + "</Code><Message>The specified key does not exist.</Message></Error>").getBytes(StandardCharsets.UTF_8));
        assertSameOutcome("CDATA");
    }

    @Test
    void aNoSuchKeyInUtf16GivesTheSameOutcome() throws Exception {
        answer404("application/xml; charset=UTF-16", ("<?xml version=\"1.0\" encoding=\"UTF-16\"?><Error><Code>NoSuchKey"
                + "</Code><Message>The specified key does not exist.</Message></Error>").getBytes(StandardCharsets.UTF_16));
        assertSameOutcome("UTF-16");
    }

    @Test
    void aNoSuchKeyWithACommentFirstGivesTheSameOutcome() throws Exception {
        answer404("application/xml", ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- template: <Code>NoSuchBucket</Code> -->"
                + "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
                .getBytes(StandardCharsets.UTF_8));
        assertSameOutcome("comment");
    }


    @Test
    void aGzippedNoSuchKeyGivesTheSameOutcome() throws Exception {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>gone</Message>"
                    + "</Error>").getBytes(StandardCharsets.UTF_8));
        }
        status = 404;
        headers = Map.of("Content-Type", "application/xml", "Content-Encoding", "gzip", "x-amz-request-id", "REQ1");
        body = zipped.toByteArray();
        String without = describe(outcome(false));
        String with = describe(outcome(true));
        assertThat(with).as("gzip: with the interceptor (without it: %s; Accept-Encoding the SDK sent: %s)", without,
                acceptEncoding).isEqualTo(without);
    }


    /** The store's 404 is "the same failure as before": the modeled exception, the request id of the body. */
    @Test
    void aMissingBucketFailsWithTheSameCause() throws Exception {
        status = 404;
        headers = Map.of("Content-Type", "application/xml"); // no x-amz-request-id header (as from some stores)
        body = ("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                + "<BucketName>stash</BucketName><RequestId>REQ-IN-BODY</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        Throwable without = (Throwable) outcome(false);
        Throwable with = (Throwable) outcome(true);
        assertThat(with.getMessage()).isEqualTo(without.getMessage());
        S3Exception causeWithout = (S3Exception) without.getCause();
        S3Exception causeWith = (S3Exception) with.getCause();
        assertThat(causeWith.getClass()).as("the cause's class").isEqualTo(causeWithout.getClass());
    }

    @Test
    void aMissingBucketFailsWithTheRequestIdOfTheBody() throws Exception {
        status = 404;
        headers = Map.of("Content-Type", "application/xml"); // no x-amz-request-id header (as from some stores)
        body = ("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                + "<BucketName>stash</BucketName><RequestId>REQ-IN-BODY</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        Throwable without = (Throwable) outcome(false);
        Throwable with = (Throwable) outcome(true);
        S3Exception causeWithout = (S3Exception) without.getCause();
        S3Exception causeWith = (S3Exception) with.getCause();
        assertThat(causeWithout.requestId()).isEqualTo("REQ-IN-BODY");
        assertThat(causeWith.requestId()).as("the cause's request id").isEqualTo(causeWithout.requestId());
    }
}

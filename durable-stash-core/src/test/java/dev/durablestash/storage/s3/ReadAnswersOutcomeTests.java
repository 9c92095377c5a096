package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.durablestash.storage.GetResult;
import dev.durablestash.testsupport.Stages;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The same crafted 404 to the backend's GET, through a client without the revalidation interceptor and through
 * one with it, gives the same outcome (the claim of docs/s3.md and of revalidationInterceptor()): the
 * StorageException's message and the cause's class, getMessage(), status, error code, error message, request id
 * and extended request id. From a third review, which saw a version that read the error document itself fail
 * eight of them (a DOCTYPE, markup in a field, two codes, a Last-Modified that is no date, where the request ids
 * come from, the attempt count, the marker header in the cause's response); the backend now reads any 404 but
 * S3's own for a missing key again without the rewrite.
 */
class ReadAnswersOutcomeTests {

    private static HttpServer server;
    private static volatile Map<String, String> headers = Map.of();
    private static volatile byte[] body = new byte[0];
    /** Clients of each checksum mode, without and with the interceptor; shared (each takes seconds to close). */
    private static final Map<RequestChecksums, S3AsyncClient[]> CLIENTS = new java.util.EnumMap<>(RequestChecksums.class);

    private RequestChecksums checksums = RequestChecksums.WHEN_REQUIRED;

    @BeforeAll
    static void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] page = body;
            exchange.sendResponseHeaders(404, page.length == 0 ? -1 : page.length);
            if (page.length > 0) {
                exchange.getResponseBody().write(page);
            }
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        CLIENTS.values().forEach(clients -> Arrays.stream(clients).forEach(S3AsyncClient::close));
        server.stop(0);
    }

    private S3AsyncClient client(boolean withInterceptor) {
        return CLIENTS.computeIfAbsent(checksums, (mode) -> new S3AsyncClient[] {build(mode, false), build(mode, true)})
                [withInterceptor ? 1 : 0];
    }

    private static S3AsyncClient build(RequestChecksums mode, boolean withInterceptor) {
        S3AsyncClientBuilder builder = AppClients.builder(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), mode);
        builder.overrideConfiguration(c -> {
            c.apiCallTimeout(Duration.ofSeconds(30));
            if (withInterceptor) {
                c.addExecutionInterceptor(S3StorageBackend.revalidationInterceptor());
            }
        });
        return builder.build();
    }

    private Object outcome(boolean withInterceptor, String ifNoneMatch) throws Exception {
        return outcome(S3StorageBackend.builder().bucket("stash").client(client(withInterceptor)).build(), ifNoneMatch);
    }

    /** @return what the backend's GET of a session's key ended with: its result, or its failure */
    static Object outcome(S3StorageBackend backend, String ifNoneMatch) throws Exception {
        try {
            return backend.get("durable-stash/some-session", ifNoneMatch).toCompletableFuture().get(30,
                    TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** What a caller can see of the outcome. */
    static Map<String, Object> describe(Object outcome) {
        Map<String, Object> d = new LinkedHashMap<>();
        if (!(outcome instanceof Throwable t)) {
            d.put("result", outcome.getClass().getSimpleName());
            return d;
        }
        d.put("class", t.getClass().getSimpleName());
        d.put("message", t.getMessage().replaceAll(" \\(SDK Attempt Count: \\d+\\)", ""));
        Throwable cause = t.getCause();
        d.put("cause", cause == null ? null : cause.getClass().getName());
        if (cause != null) {
            // the SDK's retry stage appends " (SDK Attempt Count: n)": compared apart (theCausesMessageAndRawResponse)
            d.put("cause.getMessage", cause.getMessage().replaceAll(" \\(SDK Attempt Count: \\d+\\)", ""));
        }
        if (cause instanceof AwsServiceException s) {
            d.put("status", s.statusCode());
            d.put("requestId", s.requestId());
            d.put("extendedRequestId", s.extendedRequestId());
            if (s.awsErrorDetails() != null) {
                d.put("errorCode", s.awsErrorDetails().errorCode());
                d.put("errorMessage", s.awsErrorDetails().errorMessage());
                d.put("serviceName", s.awsErrorDetails().serviceName());
            }
        }
        return d;
    }

    private static void answer(Map<String, String> answerHeaders, String document) {
        answer(answerHeaders, document.getBytes(StandardCharsets.UTF_8));
    }

    private static void answer(Map<String, String> answerHeaders, byte[] document) {
        headers = answerHeaders;
        body = document;
    }

    private void assertSameOutcome(String what) throws Exception {
        assertSameOutcome(what, null);
    }

    private void assertSameOutcome(String what, String ifNoneMatch) throws Exception {
        Map<String, Object> without = describe(outcome(false, ifNoneMatch));
        Map<String, Object> with = describe(outcome(true, ifNoneMatch));
        assertThat(with).as("%s: with the interceptor (without it: %s)", what, without).isEqualTo(without);
    }

    /** The SDK takes the body's RequestId before the header's; the interceptor the header's first. */
    @Test
    void theBodysRequestIdWinsOverTheHeadersAsInTheSdk() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ-HEADER"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                        + "<RequestId>REQ-BODY</RequestId></Error>");
        assertSameOutcome("request id in header and body");
    }

    /** The SDK takes the extended request id from the x-amz-id-2 header only, never from the body's HostId. */
    @Test
    void aHostIdInTheBodyOnlyIsNoExtendedRequestIdAsInTheSdk() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                        + "<RequestId>REQ1</RequestId><HostId>HOST-IN-BODY</HostId></Error>");
        assertSameOutcome("HostId in the body only");
    }

    /** The SDK also reads the x-amzn-RequestId header (and a body's RequestID). */
    @Test
    void anXAmznRequestIdHeaderGivesTheSameRequestId() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amzn-RequestId", "REQ-AMZN"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>");
        assertSameOutcome("x-amzn-RequestId header");
    }

    @Test
    void aRequestIDInUpperCaseGivesTheSameRequestId() throws Exception {
        answer(Map.of("Content-Type", "application/xml"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                        + "<RequestID>REQ-UPPER</RequestID></Error>");
        assertSameOutcome("RequestID element");
    }

    /** Two Code children of the root. */
    @Test
    void twoCodesGiveTheSameOutcome() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchKey</Code><Code>AccessDenied</Code><Message>m</Message></Error>");
        assertSameOutcome("two Code children");
    }

    /** A field with a child element: the interceptor's getElementText throws and every field is lost. */
    @Test
    void aHostIdWithAChildElementKeepsTheCode() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
                        + "<HostId><Node>h1</Node></HostId></Error>");
        assertSameOutcome("HostId with a child element");
    }

    @Test
    void aMessageWithMarkupKeepsTheCode() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Message>Key <b>some-session</b> not found</Message><Code>NoSuchKey</Code></Error>");
        assertSameOutcome("Message with a child element");
    }

    @Test
    void whitespaceAndEntitiesAroundTheCode() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code> NoSuch&#75;ey\n</Code><Message>a &amp; b</Message></Error>");
        assertSameOutcome("whitespace around Code");
    }

    @Test
    void anEmptyCode() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"), "<Error><Code/><Message/></Error>");
        assertSameOutcome("empty Code");
    }

    @Test
    void aNamespacedPrefixedRoot() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<s3:Error xmlns:s3=\"http://s3.amazonaws.com/doc/2006-03-01/\"><s3:Code>NoSuchKey</s3:Code>"
                        + "<s3:Message>gone</s3:Message></s3:Error>");
        assertSameOutcome("prefixed root");
    }

    @Test
    void aDoctype() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<?xml version=\"1.0\"?><!DOCTYPE Error [<!ENTITY k \"NoSuchKey\">]><Error><Code>&k;</Code>"
                        + "<Message>gone</Message></Error>");
        assertSameOutcome("DOCTYPE with an internal entity");
    }

    @Test
    void aDoctypeWithoutEntities() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<?xml version=\"1.0\"?><!DOCTYPE Error><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>");
        assertSameOutcome("DOCTYPE");
    }

    @Test
    void aUtf8Bom() throws Exception {
        headers = Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1");
        byte[] doc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"
                .getBytes(StandardCharsets.UTF_8);
        byte[] bom = new byte[doc.length + 3];
        bom[0] = (byte) 0xEF;
        bom[1] = (byte) 0xBB;
        bom[2] = (byte) 0xBF;
        System.arraycopy(doc, 0, bom, 3, doc.length);
        body = bom;
        assertSameOutcome("UTF-8 BOM");
    }

    @Test
    void aBodyThatIsNoXml() throws Exception {
        answer(Map.of("Content-Type", "application/problem+xml", "x-amz-request-id", "REQ1"),
                "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404}");
        assertSameOutcome("not XML, typed xml");
    }

    /** A header a 200 GetObject answer must parse (a date): a 404 ignores it. */
    @Test
    void aLastModifiedHeaderThatIsNoDate() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1", "Last-Modified", "never"),
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("Last-Modified: never");
    }

    @Test
    void anExpiresHeaderThatIsNoDate() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1", "Expires", "0"),
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("Expires: 0");
    }

    /** A checksum header on a 404 is validated against the error document once the answer is a 200. */
    @Test
    void aChecksumHeaderOnTheNotFound() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1", "x-amz-checksum-crc32", "AAAAAA=="),
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("x-amz-checksum-crc32 on a 404");
    }

    /** The same through a client with the SDK's default checksum settings (a client an application builds). */
    @Test
    void aChecksumHeaderOnTheNotFoundThroughAClientWithTheSdksDefaults() throws Exception {
        checksums = RequestChecksums.WHEN_SUPPORTED;
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1", "x-amz-checksum-crc32", "AAAAAA=="),
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("x-amz-checksum-crc32 on a 404, WHEN_SUPPORTED client");
    }

    @Test
    void aRevalidationOfADeletedKey() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1", "x-amz-id-2", "HOST1"),
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("If-None-Match of a deleted key", "etag-1");
    }

    /** The cause's getMessage() as is (the SDK's attempt count) and its awsErrorDetails().rawResponse(). */
    @Test
    void theCausesMessageAndRawResponse() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>");
        AwsServiceException without = (AwsServiceException) ((Throwable) outcome(false, null)).getCause();
        AwsServiceException with = (AwsServiceException) ((Throwable) outcome(true, null)).getCause();
        assertThat(with.getMessage()).isEqualTo(without.getMessage());
        assertThat(with.awsErrorDetails().rawResponse()).as("rawResponse (without: %s)",
                without.awsErrorDetails().rawResponse()).isEqualTo(without.awsErrorDetails().rawResponse());
    }

    /** The cause's sdkHttpResponse(): the interceptor's marker header leaks into it. */
    @Test
    void theCausesHttpResponseHeadersAreTheStores() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>");
        AwsServiceException without = (AwsServiceException) ((Throwable) outcome(false, null)).getCause();
        AwsServiceException with = (AwsServiceException) ((Throwable) outcome(true, null)).getCause();
        assertThat(new TreeSet<>(with.awsErrorDetails().sdkHttpResponse().headers().keySet()))
                .isEqualTo(new TreeSet<>(without.awsErrorDetails().sdkHttpResponse().headers().keySet()));
        assertThat(with.awsErrorDetails().sdkHttpResponse().statusText())
                .isEqualTo(without.awsErrorDetails().sdkHttpResponse().statusText());
    }

    private static final String SOAP_FAULT = "<?xml version=\"1.0\"?><soap:Envelope "
            + "xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
            + "<faultcode>soap:Client</faultcode><faultstring>route /stash not found</faultstring><detail>"
            + "<LastUpstreamError><Code>NoSuchKey</Code></LastUpstreamError></detail></soap:Fault></soap:Body>"
            + "</soap:Envelope>";

    /** A proxy's SOAP fault (no S3 store) that quotes an upstream code deep inside: not a missing key. */
    @Test
    void aSoapFaultOfAProxyQuotingNoSuchKeyIsNotAMissingKey() throws Exception {
        answer(Map.of("Content-Type", "text/xml; charset=utf-8"), SOAP_FAULT);
        assertThat(outcome(true, null)).as("a non-S3 XML 404 through the interceptor")
                .isNotInstanceOf(GetResult.NotFound.class);
        assertSameOutcome("SOAP fault");
        S3StorageBackend backend = S3StorageBackend.builder().bucket("stash").client(client(true)).build();
        assertThat(catchThrowable(() -> Stages.await(backend.check("durable-stash/health-check"))))
                .as("the health check on an endpoint that is no S3 store (an XML SOAP 404)").isNotNull();
    }

    @Test
    void aNoSuchKeyInCdata() throws Exception {
        answer(Map.of("Content-Type", "application/xml"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + "<![CDATA[NoSuchKey]]></Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("CDATA");
    }

    @Test
    void aNoSuchKeyInUtf16() throws Exception {
        answer(Map.of("Content-Type", "application/xml; charset=UTF-16"), ("<?xml version=\"1.0\" "
                + "encoding=\"UTF-16\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
                + "</Message></Error>").getBytes(StandardCharsets.UTF_16));
        assertSameOutcome("UTF-16");
    }

    @Test
    void aNoSuchKeyAfterACommentQuotingAnotherCode() throws Exception {
        answer(Map.of("Content-Type", "application/xml"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- template: "
                + "<Code>NoSuchBucket</Code> --><Error><Code>NoSuchKey</Code><Message>The specified key does not "
                + "exist.</Message></Error>");
        assertSameOutcome("comment");
    }

    @Test
    void aGzippedNoSuchKey() throws Exception {
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(zipped)) {
            gzip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>gone"
                    + "</Message></Error>").getBytes(StandardCharsets.UTF_8));
        }
        answer(Map.of("Content-Type", "application/xml", "Content-Encoding", "gzip", "x-amz-request-id", "REQ1"),
                zipped.toByteArray());
        assertSameOutcome("gzip");
    }

    /** A store that puts the request id only in the body: the cause is the SDK's, with that id. */
    @Test
    void aMissingBucketWithTheRequestIdInTheBodyOnly() throws Exception {
        answer(Map.of("Content-Type", "application/xml"), "<Error><Code>NoSuchBucket</Code><Message>The specified "
                + "bucket does not exist</Message><BucketName>stash</BucketName><RequestId>REQ-IN-BODY</RequestId>"
                + "</Error>");
        assertSameOutcome("request id in the body only");
        assertThat(((S3Exception) ((Throwable) outcome(true, null)).getCause()).requestId()).isEqualTo("REQ-IN-BODY");
    }

    /* Documents the SDK's parser (Woodstox, when present) refuses by its limits, and the JDK's reads. */
    @Test
    void aNoSuchKeyWhoseRootHas2000AttributesGivesTheSameOutcome() throws Exception {
        StringBuilder doc = new StringBuilder("<Error");
        for (int i = 0; i < 2000; i++) {
            doc.append(" a").append(i).append("=\"x\"");
        }
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                doc + "><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>");
        assertSameOutcome("2000 attributes on Error");
    }

    @Test
    void aNoSuchKeyWithA600kAttributeGivesTheSameOutcome() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error a=\"" + "x".repeat(600_000) + "\"><Code>NoSuchKey</Code><Message>gone</Message></Error>");
        assertSameOutcome("600 000-character attribute");
    }

    @Test
    void aNoSuchKeyWithAMessageNested1100DeepGivesTheSameOutcome() throws Exception {
        answer(Map.of("Content-Type", "application/xml", "x-amz-request-id", "REQ1"),
                "<Error><Code>NoSuchKey</Code><Message>" + "<a>".repeat(1100) + "</a>".repeat(1100)
                        + "</Message></Error>");
        assertSameOutcome("Message nested 1100 deep");
    }
}

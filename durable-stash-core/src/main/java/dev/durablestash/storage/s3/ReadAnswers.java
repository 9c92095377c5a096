package dev.durablestash.storage.s3;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/*
 * Design. The SDK treats an HTTP 304 and a 404 as failed calls, and its Netty client closes the connection
 * of a call that fails (when the failure reaches the connection while it is still in use, it also logs a
 * WARN "An exceptionCaught() event was fired ... java.io.IOException: Request cancelled" from
 * io.netty.channel.DefaultChannelPipeline, with a stack trace). A revalidation answered 304 is the common
 * case of every mount, and a read answered 404 NoSuchKey the first one of every session the store has
 * nothing of, so on such a client about one in five of them cost the next call a new connection (a TLS
 * handshake on AWS), and some printed a warning. This interceptor, on the client the backend reads with,
 * makes those answers to the backend's own GETs successful calls, marked by a header the backend looks for:
 *  - a 304: status 200, no body, its length 0, checksum headers dropped (no body to check them against);
 *  - a 404 with an XML body (an S3 store's error document): status 200, the body kept, so the SDK reads it
 *    whole and the connection stays usable; the backend reads its Code, takes NoSuchKey for a missing key,
 *    and fails the read with any other code as the SDK would have (an S3Exception with the status, code,
 *    message and request id). A 404 of another type (a web server's HTML page: no S3 store answers there) is
 *    left a failed call.
 * Other requests through the same client (an application's own, the backend's HEADs) carry no BACKEND_GET
 * attribute and are left alone. An answer to a GET of a part or a range is left alone: a client with multipart
 * enabled sends the backend's GETs through its multipart downloader as GETs of parts (partNumber), and the
 * downloader waited for ever for about one in four rewritten answers; the backend's own GETs name neither, so
 * through such a client, whatever wraps it, those answers fail as without the interceptor.
 */
/**
 * Makes the backend's GETs answered 304, or 404 by an S3 store, successful calls for the SDK. Stateless,
 * thread-safe.
 */
final class ReadAnswers implements ExecutionInterceptor {

    /**
     * Set (through the request's override configuration) on the backend's GETs only. Its name is new in each
     * class loader that loads this class: the SDK refuses a second attribute of a name it knows, and these
     * classes may be loaded again beside one SDK (a devtools restart, two applications in one container).
     */
    static final ExecutionAttribute<Boolean> BACKEND_GET = new ExecutionAttribute<>("DurableStashGet-"
            + UUID.randomUUID());
    /** The header that marks a 304 made a 200 by this interceptor. */
    static final String NOT_MODIFIED_HEADER = "x-durable-stash-not-modified";
    /** The header that marks a 404 made a 200 by this interceptor; the body is the store's error document. */
    static final String NOT_FOUND_HEADER = "x-durable-stash-not-found";

    static final ReadAnswers INSTANCE = new ReadAnswers();

    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");

    private ReadAnswers() {
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        SdkHttpResponse response = context.httpResponse();
        int status = response.statusCode();
        if ((status != 304 && status != 404) || !Boolean.TRUE.equals(attributes.getAttribute(BACKEND_GET))
                || context.httpRequest().firstMatchingRawQueryParameter("partNumber").isPresent()
                || context.httpRequest().firstMatchingHeader("Range").isPresent()) {
            return response;
        }
        if (status == 404) {
            boolean xml = response.firstMatchingHeader("Content-Type")
                    .map(type -> type.toLowerCase(Locale.ROOT).contains("xml")).orElse(false);
            return xml ? response.toBuilder().statusCode(200).statusText("OK").putHeader(NOT_FOUND_HEADER, "true")
                    .build() : response;
        }
        SdkHttpResponse.Builder answered = response.toBuilder().statusCode(200).statusText("OK");
        for (String name : response.headers().keySet()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum")) {
                answered.removeHeader(name);
            }
        }
        return answered.putHeader("Content-Length", "0").putHeader(NOT_MODIFIED_HEADER, "true").build();
    }

    /** @return whether {@code response} is a 304 this interceptor made a successful call */
    static boolean isNotModified(GetObjectResponse response) {
        return marked(response, NOT_MODIFIED_HEADER);
    }

    /**
     * @return the store's 404 this interceptor made a successful call, as the SDK would have failed the call
     *     with it; {@code null} when {@code answer} is no such 404
     */
    static @Nullable S3Exception notFound(ResponseBytes<GetObjectResponse> answer) {
        GetObjectResponse response = answer.response();
        if (!marked(response, NOT_FOUND_HEADER)) {
            return null;
        }
        SdkHttpResponse http = response.sdkHttpResponse();
        String document = new String(answer.asByteArrayUnsafe(), StandardCharsets.UTF_8);
        String code = element(CODE, document);
        String message = element(MESSAGE, document);
        String requestId = http.firstMatchingHeader("x-amz-request-id").orElse(null);
        return (S3Exception) S3Exception.builder().statusCode(404).message(message).requestId(requestId)
                .extendedRequestId(http.firstMatchingHeader("x-amz-id-2").orElse(null))
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                        .sdkHttpResponse(http.toBuilder().statusCode(404).statusText("Not Found").build()).build())
                .build();
    }

    private static boolean marked(GetObjectResponse response, String header) {
        return response.sdkHttpResponse() != null && response.sdkHttpResponse().firstMatchingHeader(header).isPresent();
    }

    private static @Nullable String element(Pattern pattern, String document) {
        Matcher matcher = pattern.matcher(document);
        return matcher.find() ? unescaped(matcher.group(1)) : null;
    }

    private static String unescaped(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
                .replace("&amp;", "&");
    }
}

package dev.durablestash.storage.s3;

import java.util.Locale;
import java.util.UUID;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/*
 * Design. The SDK treats an HTTP 304 as a failed call, and its Netty client closes the connection of a
 * call that fails (when the failure reaches the connection while it is still in use, it also logs a WARN
 * "An exceptionCaught() event was fired ... java.io.IOException: Request cancelled" from
 * io.netty.channel.DefaultChannelPipeline, with a stack trace). A revalidation answered 304 is the common
 * case of every mount, so on such a client about one in five of them cost the next call a new connection
 * (a TLS handshake on AWS), and some printed a warning. This interceptor, on the client the backend
 * reads with, makes a 304 to the backend's own conditional GETs a successful call: status 200, no body,
 * marked by a header the backend looks for. Other requests through the same client (an application's
 * own, the backend's other reads) carry no REVALIDATION attribute and are left alone. Checksum headers
 * are dropped from the rewritten answer (no body to check them against), and its length is 0. An answer to
 * a GET of a part or a range is left alone: a client with multipart enabled sends the backend's GETs through
 * its multipart downloader as GETs of parts (partNumber), and the downloader waited for ever for about one in
 * four rewritten answers; the backend's own GETs name neither, so through such a client, whatever wraps it,
 * revalidations fail with 304 as without the interceptor.
 */
/** Makes the backend's revalidations answered 304 successful calls for the SDK. Stateless, thread-safe. */
final class NotModifiedAnswers implements ExecutionInterceptor {

    /**
     * Set (through the request's override configuration) on the backend's conditional GETs only. Its name is
     * new in each class loader that loads this class: the SDK refuses a second attribute of a name it knows,
     * and these classes may be loaded again beside one SDK (a devtools restart, two applications in one
     * container).
     */
    static final ExecutionAttribute<Boolean> REVALIDATION = new ExecutionAttribute<>("DurableStashRevalidation-"
            + UUID.randomUUID());
    /** The header that marks a 304 made a 200 by this interceptor. */
    static final String NOT_MODIFIED_HEADER = "x-durable-stash-not-modified";

    static final NotModifiedAnswers INSTANCE = new NotModifiedAnswers();

    private NotModifiedAnswers() {
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        SdkHttpResponse response = context.httpResponse();
        if (response.statusCode() != 304 || !Boolean.TRUE.equals(attributes.getAttribute(REVALIDATION))
                || context.httpRequest().firstMatchingRawQueryParameter("partNumber").isPresent()
                || context.httpRequest().firstMatchingHeader("Range").isPresent()) {
            return response;
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
        return response.sdkHttpResponse() != null
                && response.sdkHttpResponse().firstMatchingHeader(NOT_MODIFIED_HEADER).isPresent();
    }
}

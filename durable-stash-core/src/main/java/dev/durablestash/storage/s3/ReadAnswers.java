package dev.durablestash.storage.s3;

import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
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
 *  - a 404 with an XML body (an S3 store's error document) and no content encoding: status 200, the body
 *    kept, so the SDK reads it whole and the connection stays usable; the backend reads it as the SDK reads
 *    an S3 error (a real XML parser, so the declared encoding, CDATA and comments count; Code, Message,
 *    RequestId and HostId only as children of the root element), takes NoSuchKey for a missing key, and fails
 *    the read with any other code as the SDK would have (the exception class the SDK models for the code, or
 *    S3Exception, with the status, code, message and request ids). A 404 of another type (a web server's HTML
 *    page: no S3 store answers there) or with a content encoding is left a failed call.
 * The SDK's metrics and the client's other interceptors see the rewritten answers as successful calls, a 404
 * of another code than NoSuchKey included: the status must be chosen before the body says which code it is.
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

    /** The children of an S3 error document's root that the backend reads. */
    private static final Set<String> ERROR_FIELDS = Set.of("Code", "Message", "RequestId", "HostId");

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
            boolean encoded = response.firstMatchingHeader("Content-Encoding")
                    .map(encoding -> !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")).orElse(false);
            return xml && !encoded ? response.toBuilder().statusCode(200).statusText("OK").putHeader(NOT_FOUND_HEADER, "true")
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
        Map<String, String> error = errorFields(answer.asByteArrayUnsafe());
        String code = error.get("Code");
        String message = error.get("Message");
        S3Exception.Builder failure = code == null ? S3Exception.builder() : switch (code) {
            case "NoSuchKey" -> NoSuchKeyException.builder();
            case "NoSuchBucket" -> NoSuchBucketException.builder();
            case "NoSuchUpload" -> NoSuchUploadException.builder();
            default -> S3Exception.builder();
        };
        return (S3Exception) failure.statusCode(404).message(message)
                .requestId(http.firstMatchingHeader("x-amz-request-id").orElse(error.get("RequestId")))
                .extendedRequestId(http.firstMatchingHeader("x-amz-id-2").orElse(error.get("HostId")))
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).serviceName("S3")
                        .sdkHttpResponse(http.toBuilder().statusCode(404).statusText("Not Found").build()).build())
                .build();
    }

    /**
     * @return the text of the {@link #ERROR_FIELDS} among the root element's children, by name; none of them
     *     when the document is no well-formed XML (the SDK then finds no code either)
     */
    static Map<String, String> errorFields(byte[] document) {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        Map<String, String> fields = new HashMap<>();
        try {
            XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(document));
            try {
                reader.nextTag(); // the root
                int depth = 1;
                while (depth > 0) {
                    int event = reader.next();
                    if (event == XMLStreamConstants.START_ELEMENT) {
                        if (depth == 1 && ERROR_FIELDS.contains(reader.getLocalName())) {
                            fields.putIfAbsent(reader.getLocalName(), reader.getElementText()); // to its end tag
                        } else {
                            depth++;
                        }
                    } else if (event == XMLStreamConstants.END_ELEMENT) {
                        depth--;
                    }
                }
            } finally {
                reader.close();
            }
        } catch (XMLStreamException | RuntimeException e) {
            return Map.of();
        }
        return fields;
    }

    private static boolean marked(GetObjectResponse response, String header) {
        return response.sdkHttpResponse() != null && response.sdkHttpResponse().firstMatchingHeader(header).isPresent();
    }
}

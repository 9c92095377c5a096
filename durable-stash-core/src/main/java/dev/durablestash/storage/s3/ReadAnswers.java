package dev.durablestash.storage.s3;

import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import org.jspecify.annotations.Nullable;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

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
 *    kept, so the SDK reads it whole and the connection stays usable, and no header but its type and
 *    length (the SDK would parse a GetObject answer's headers, such as Last-Modified, which an error's
 *    need not fit).
 * The backend takes such a 404 for a missing key only when its body is exactly what S3 stores send for
 * one: well-formed XML without a DTD, a root element Error without a namespace, no two children of one
 * name, and a Code child whose text is NoSuchKey. Any other 404 it reads once more without the attribute,
 * so that the SDK fails that read as it always did (its exception, request ids, message, attempt count):
 * matching the SDK's reading of every odd document is not this class's business. The second answer is the
 * outcome (a store that answers differently the second time decides it), within what is left of the call's
 * timeout. The parser is the one the SDK takes (XMLInputFactory.newInstance()), whose limits count. A 404 of
 * another type (a web server's HTML page) or with a content encoding is left a failed call.
 * The SDK's metrics and the client's other interceptors see the rewritten answers as successful calls.
 * Other requests through the same client (an application's own, the backend's HEADs and its second reads)
 * carry no BACKEND_GET attribute and are left alone. An answer to a GET of a part or a range is left alone:
 * a client with multipart enabled sends the backend's GETs through its multipart downloader as GETs of
 * parts (partNumber), and the downloader waited for ever for about one in four rewritten answers; the
 * backend's own GETs name neither, so through such a client, whatever wraps it, those answers fail as
 * without the interceptor.
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

    /** What a rewritten answer was, for the backend. */
    enum Rewritten {
        /** Not rewritten: the store's own 200. */
        NONE,
        /** A 304. */
        NOT_MODIFIED,
        /** A 404 whose body is S3's for a missing key. */
        MISSING_KEY,
        /** Another 404: to be read again without the rewrite. */
        OTHER_NOT_FOUND
    }

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
            if (!xml || encoded) {
                return response;
            }
            SdkHttpResponse.Builder answered = response.toBuilder().clearHeaders().statusCode(200).statusText("OK");
            for (String kept : new String[] {"Content-Type", "Content-Length"}) {
                response.firstMatchingHeader(kept).ifPresent(value -> answered.putHeader(kept, value));
            }
            return answered.putHeader(NOT_FOUND_HEADER, "true").build();
        }
        SdkHttpResponse.Builder answered = response.toBuilder().statusCode(200).statusText("OK");
        for (String name : response.headers().keySet()) {
            if (name.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum")) {
                answered.removeHeader(name);
            }
        }
        return answered.putHeader("Content-Length", "0").putHeader(NOT_MODIFIED_HEADER, "true").build();
    }

    /** @return what the interceptor made of the answer (nothing when the client has no interceptor) */
    static Rewritten rewritten(ResponseBytes<GetObjectResponse> answer) {
        GetObjectResponse response = answer.response();
        if (marked(response, NOT_MODIFIED_HEADER)) {
            return Rewritten.NOT_MODIFIED;
        }
        if (marked(response, NOT_FOUND_HEADER)) {
            return isMissingKey(answer.asByteArrayUnsafe()) ? Rewritten.MISSING_KEY : Rewritten.OTHER_NOT_FOUND;
        }
        return Rewritten.NONE;
    }

    /**
     * @return whether the document is exactly S3's answer for a missing key: well-formed XML without a DTD,
     *     a root element {@code Error} without a namespace, no two children of one name, and a {@code Code}
     *     child of text {@code NoSuchKey} only
     */
    static boolean isMissingKey(byte[] document) {
        // The SDK's choice of parser (Woodstox when the application has it), whose limits may refuse a document
        // the JDK's parser would read: then the SDK finds no code, and neither may this
        XMLInputFactory factory = XMLInputFactory.newInstance();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLInputFactory.IS_COALESCING, true);
        try {
            XMLStreamReader reader = factory.createXMLStreamReader(new ByteArrayInputStream(document));
            try {
                return isMissingKey(reader);
            } finally {
                reader.close();
            }
        } catch (XMLStreamException | RuntimeException e) {
            return false;
        }
    }

    private static boolean isMissingKey(XMLStreamReader reader) throws XMLStreamException {
        int event = reader.next();
        while (event != XMLStreamConstants.START_ELEMENT) {
            if (event == XMLStreamConstants.DTD || event == XMLStreamConstants.END_DOCUMENT) {
                return false;
            }
            event = reader.next();
        }
        if (!"Error".equals(reader.getLocalName()) || !reader.getPrefix().isEmpty()
                || (reader.getNamespaceURI() != null && !reader.getNamespaceURI().isEmpty())) {
            return false;
        }
        Set<String> children = new HashSet<>();
        boolean noSuchKey = false;
        int depth = 1;
        while (depth > 0) {
            event = reader.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                if (depth == 1 && !children.add(reader.getLocalName())) {
                    return false; // the SDK refuses a document with two children of one name
                }
                if (depth == 1 && "Code".equals(reader.getLocalName())) {
                    if (!"NoSuchKey".equals(textOnly(reader))) {
                        return false;
                    }
                    noSuchKey = true;
                } else {
                    depth++;
                }
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            }
        }
        while (reader.hasNext()) {
            reader.next(); // to the end: a document that is not well-formed is no answer of a store
        }
        return noSuchKey;
    }

    /** @return the element's text up to its end tag, or {@code null} when it holds anything but text */
    private static @Nullable String textOnly(XMLStreamReader reader) throws XMLStreamException {
        StringBuilder text = new StringBuilder();
        while (true) {
            int event = reader.next();
            if (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA
                    || event == XMLStreamConstants.SPACE) {
                text.append(reader.getText());
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                return text.toString();
            } else {
                return null;
            }
        }
    }

    private static boolean marked(GetObjectResponse response, String header) {
        return response.sdkHttpResponse() != null && response.sdkHttpResponse().firstMatchingHeader(header).isPresent();
    }
}

package dev.durablestash.spring.web.reactive;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import org.springframework.core.ResolvableType;
import org.springframework.core.codec.Hints;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.codec.FormHttpMessageReader;
import org.springframework.http.codec.HttpMessageReader;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An exchange with a form body ({@code application/x-www-form-urlencoded}) whose mount kind may have to
 * be read from the body's {@code _mounts} field: the form data ({@link #getFormData()}) is read from a
 * copy of the raw body, and the request's body is that copy again, so the field can be looked up and
 * the handler still reads the whole body itself ({@code @RequestBody String}, a custom reader,
 * {@code request.getBody()}), or the form through the exchange.
 *
 * <p>The body is copied only when the form data is asked for first (by the mount-kind lookup, Spring
 * Security's CSRF check, a form binding); a handler that reads the raw body first reads it straight
 * from the connection, as without this class. The copy is bounded by the form reader's
 * {@code maxInMemorySize} ({@code spring.codec.max-in-memory-size}, 256 KB by default), as WebFlux
 * itself bounds a form it reads: a larger form body is read to its end without being kept, and the
 * form data (so the mount-kind lookup) fails with 413 Content Too Large.
 *
 * <p><b>A body read before.</b> A filter ahead of {@link SidWebFilter} (or a handler, before it
 * recovers a view) may have read the body already, leaving none to copy: a body that may have content
 * ({@code Content-Length} above 0, or {@code Transfer-Encoding}) but reads empty may have been. The form
 * data is then the exchange's own, which Spring keeps once read through {@code exchange.getFormData()}
 * (as such a filter reads a form), so the fields still reach the handler and the mount-kind lookup. Had
 * the body been read some other way (raw), the fields are gone, as without this class, and the form data
 * is empty. Only a body that declared a length above 0 tells that apart from an empty form: the exchange
 * is then marked ({@link #wasReadBefore}), so that the lookup does not take the missing {@code _mounts}
 * field for a fresh mount (which would clear the view's reconnect-scoped keys). An empty body sent
 * chunked (with no length) is an empty form: a fresh mount, unless the header or query says otherwise.
 *
 * <p><b>Thread-safety:</b> thread-safe; the copy is made at most once.
 */
final class FormBodyReplay extends ServerWebExchangeDecorator {

    /** The attribute that marks an exchange whose form body was read before its form could be. */
    private static final String READ_BEFORE_ATTRIBUTE = FormBodyReplay.class.getName() + ".readBefore";

    private static final ResolvableType FORM_DATA_TYPE = ResolvableType.forClassWithGenerics(MultiValueMap.class,
            String.class, String.class);

    /** Fallback bound of the copy: WebFlux's default {@code maxInMemorySize}. */
    private static final int DEFAULT_LIMIT = 256 * 1024;

    private final ServerHttpRequest request;
    private final AtomicReference<@Nullable Mono<byte[]>> copy = new AtomicReference<>();
    private final Mono<MultiValueMap<String, String>> formData;
    private final int limit;

    private FormBodyReplay(ServerWebExchange exchange, HttpMessageReader<MultiValueMap<String, String>> reader,
            int limit) {
        super(exchange);
        this.limit = limit;
        ServerHttpRequest original = exchange.getRequest();
        this.request = new ServerHttpRequestDecorator(original) {
            @Override
            public Flux<DataBuffer> getBody() {
                Mono<byte[]> bytes = copy.get();
                return bytes != null ? replay(bytes) : super.getBody();
            }
        };
        ServerHttpRequest copied = new ServerHttpRequestDecorator(original) {
            @Override
            public Flux<DataBuffer> getBody() {
                return replay(copy());
            }
        };
        this.formData = copy()
                .flatMap(bytes -> bytes.length == 0 && mayHaveContent(original)
                        ? formReadBefore(exchange, declaresContent(original))
                        : reader.readMono(FORM_DATA_TYPE, copied, Hints.from(Hints.LOG_PREFIX_HINT, getLogPrefix())))
                .switchIfEmpty(Mono.fromSupplier(LinkedMultiValueMap::new))
                .cache();
    }

    /**
     * @param evidence whether the body said it had content ({@link #declaresContent}), so that an empty
     *     form means its fields are gone
     * @return the form data of an exchange whose body may have been read before it could be copied: the
     *     one Spring kept for the exchange (read by a filter through {@code getFormData()}), or, with none
     *     to keep, an empty one; with {@code evidence} (the body was read raw), the exchange is then
     *     {@linkplain #wasReadBefore marked}
     */
    private static Mono<MultiValueMap<String, String>> formReadBefore(ServerWebExchange exchange,
            boolean evidence) {
        return exchange.getFormData().doOnNext(form -> {
            if (form.isEmpty() && evidence) {
                exchange.getAttributes().put(READ_BEFORE_ATTRIBUTE, Boolean.TRUE);
            }
        });
    }

    /**
     * @return {@code true} if the exchange's form body was read (raw) before its form data could be, so
     *     that its fields, {@code _mounts} among them, are unknown; meaningful once the form data was read
     */
    static boolean wasReadBefore(ServerWebExchange exchange) {
        return Boolean.TRUE.equals(exchange.getAttribute(READ_BEFORE_ATTRIBUTE));
    }

    /**
     * @return whether the request says its body is not empty: a {@code Content-Length} above 0. A body
     *     sent chunked ({@code Transfer-Encoding}) says nothing of its length, and may be empty.
     */
    private static boolean declaresContent(ServerHttpRequest request) {
        return request.getHeaders().getContentLength() > 0;
    }

    /** @return whether the request may have a body: a {@code Content-Length} above 0, or a transfer encoding */
    private static boolean mayHaveContent(ServerHttpRequest request) {
        long length = request.getHeaders().getContentLength();
        return length > 0 || length < 0 && request.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING);
    }

    /**
     * @param codecs the application's codecs, whose form reader reads the form
     * @return the exchange, decorated if it has a form body and no mount kind in a header or the query
     */
    static ServerWebExchange decorate(ServerWebExchange exchange, ServerCodecConfigurer codecs) {
        ServerHttpRequest request = exchange.getRequest();
        if (request.getHeaders().containsHeader(ExchangeViews.MOUNTS_HEADER)
                || request.getQueryParams().containsKey(ExchangeViews.MOUNTS_PARAMETER) || !isForm(request)) {
            return exchange;
        }
        HttpMessageReader<MultiValueMap<String, String>> reader = formReader(codecs);
        int limit = reader instanceof FormHttpMessageReader form ? form.getMaxInMemorySize() : DEFAULT_LIMIT;
        return new FormBodyReplay(exchange, reader, limit);
    }

    private static boolean isForm(ServerHttpRequest request) {
        try {
            MediaType type = request.getHeaders().getContentType();
            return type != null && type.isConcrete() && type.isCompatibleWith(MediaType.APPLICATION_FORM_URLENCODED);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    @SuppressWarnings("unchecked")
    private static HttpMessageReader<MultiValueMap<String, String>> formReader(ServerCodecConfigurer codecs) {
        for (HttpMessageReader<?> reader : codecs.getReaders()) {
            if (reader.canRead(FORM_DATA_TYPE, MediaType.APPLICATION_FORM_URLENCODED)) {
                return (HttpMessageReader<MultiValueMap<String, String>>) reader;
            }
        }
        return new FormHttpMessageReader();
    }

    @Override
    public ServerHttpRequest getRequest() {
        return request;
    }

    @Override
    public Mono<MultiValueMap<String, String>> getFormData() {
        return formData;
    }

    /** @return the copy of the raw body, read (once, without blocking) on first use */
    private Mono<byte[]> copy() {
        Mono<byte[]> made = copy.get();
        if (made == null) {
            Mono<byte[]> reading = Flux.from(getDelegate().getRequest().getBody())
                    .map(FormBodyReplay::bytesOf)
                    .collect(() -> new Copy(limit), Copy::add)
                    .map(Copy::bytes)
                    .cache();
            made = copy.compareAndSet(null, reading) ? reading : copy.get();
        }
        return made;
    }

    private static byte[] bytesOf(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }

    /**
     * The bytes of a body up to a limit. Past it the body is still read to its end (so the client gets
     * the answer on a healthy connection), but nothing more is kept, and the copy fails with 413.
     */
    private static final class Copy {

        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private boolean overflow;

        Copy(int limit) {
            this.limit = limit;
        }

        void add(byte[] chunk) {
            if (!overflow && (limit < 0 || bytes.size() + chunk.length <= limit)) {
                bytes.write(chunk, 0, chunk.length);
            } else if (!overflow) {
                overflow = true;
                bytes.reset();
            }
        }

        byte[] bytes() {
            if (overflow) {
                throw new ResponseStatusException(HttpStatus.CONTENT_TOO_LARGE, "The form body is larger than "
                        + limit + " bytes; send the mount kind in the X-Stash-Mounts header or the query instead");
            }
            return bytes.toByteArray();
        }
    }

    private static Flux<DataBuffer> replay(Mono<byte[]> bytes) {
        return bytes.<DataBuffer>map(DefaultDataBufferFactory.sharedInstance::wrap).flux();
    }
}

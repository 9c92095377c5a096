package dev.durablestash.spring.web.reactive;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;

import reactor.core.publisher.Flux;

/**
 * An exchange with a multipart body ({@code multipart/form-data}) whose mount kind may have to be read
 * from the body's {@code _mounts} field. Finding it parses the body ({@code exchange.getMultipartData()},
 * whose parts the handler can still use), after which the raw body cannot be read again: the request's
 * body then fails with an {@link IllegalStateException} saying what to do, instead of being silently
 * empty. A handler that reads the raw body before any view is recovered reads it as usual.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
final class ParsedMultipartGuard extends ServerWebExchangeDecorator {

    /** Exchange attribute set once the mount-kind lookup parsed the multipart body. */
    private static final String PARSED = ParsedMultipartGuard.class.getName() + ".parsed";

    private final ServerHttpRequest request;

    private ParsedMultipartGuard(ServerWebExchange exchange) {
        super(exchange);
        ServerHttpRequest original = exchange.getRequest();
        this.request = new ServerHttpRequestDecorator(original) {
            @Override
            public Flux<DataBuffer> getBody() {
                Flux<DataBuffer> body = super.getBody();
                return Flux.defer(() -> exchange.getAttributes().containsKey(PARSED) ? Flux.error(consumed(original))
                        : body);
            }
        };
    }

    /** @return the exchange, decorated if it has a multipart body and no mount kind in a header or the query */
    static ServerWebExchange decorate(ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        if (request.getHeaders().containsHeader(ExchangeViews.MOUNTS_HEADER)
                || request.getQueryParams().containsKey(ExchangeViews.MOUNTS_PARAMETER) || !isMultipart(request)) {
            return exchange;
        }
        return new ParsedMultipartGuard(exchange);
    }

    /** The mount-kind lookup parses the exchange's multipart body: its raw body is gone. */
    static void parsing(ServerWebExchange exchange) {
        exchange.getAttributes().put(PARSED, Boolean.TRUE);
    }

    @Override
    public ServerHttpRequest getRequest() {
        return request;
    }

    private static boolean isMultipart(ServerHttpRequest request) {
        try {
            MediaType type = request.getHeaders().getContentType();
            return type != null && type.isConcrete() && type.isCompatibleWith(MediaType.MULTIPART_FORM_DATA);
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    private static IllegalStateException consumed(ServerHttpRequest request) {
        return new IllegalStateException("The multipart body of " + request.getMethod() + " " + request.getPath()
                + " was parsed to find its _mounts field when a view was recovered, so its raw bytes cannot be read "
                + "any more. Read its parts instead (multipartData(), @RequestPart), or send the mount kind in the "
                + "X-Stash-Mounts header or the query (?_mounts=1 in the form's action), or read the raw body before "
                + "recovering the view.");
    }
}

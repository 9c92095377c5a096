package dev.durablestash.spring.web.reactive.testapp;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.config.ViewResolverRegistry;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.result.view.AbstractUrlBasedView;
import org.springframework.web.reactive.result.view.UrlBasedViewResolver;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/** A view technology for the tests: "redirect:" views, and views that render their name and model as text. */
@Configuration(proxyBeanMethods = false)
public class TextViews implements WebFluxConfigurer {

    @Override
    public void configureViewResolvers(ViewResolverRegistry registry) {
        UrlBasedViewResolver resolver = new UrlBasedViewResolver();
        resolver.setViewClass(TextView.class);
        registry.viewResolver(resolver);
    }

    /** Renders "view-name:" followed by the model's attributes in their order. */
    public static class TextView extends AbstractUrlBasedView {

        @Override
        public boolean checkResourceExists(java.util.Locale locale) {
            return true;
        }

        @Override
        protected Mono<Void> renderInternal(Map<String, Object> model, MediaType contentType,
                ServerWebExchange exchange) {
            StringBuilder text = new StringBuilder(String.valueOf(getUrl())).append(':');
            model.forEach((key, value) -> {
                if (!key.startsWith("org.springframework")) {
                    text.append(key).append('=').append(value).append(';');
                }
            });
            exchange.getResponse().getHeaders().setContentType(MediaType.TEXT_PLAIN);
            DataBuffer buffer = exchange.getResponse().bufferFactory()
                    .wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            return exchange.getResponse().writeWith(Mono.just(buffer));
        }
    }
}

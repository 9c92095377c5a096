package dev.durablestash.spring.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.DispatcherHandler;
import org.springframework.web.reactive.result.method.annotation.RequestMappingHandlerAdapter;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.reactive.PerExchangeControllers;
import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;
import dev.durablestash.spring.web.reactive.ReactiveStashExceptionHandler;
import dev.durablestash.spring.web.reactive.SidWebFilter;
import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.spring.web.reactive.StashedViewsHandlerAdapter;
import dev.durablestash.spring.web.reactive.StashedViewsWebFluxConfigurer;
import dev.durablestash.spring.web.reactive.StashedViewsWebFluxVerifier;

/**
 * Auto-configuration of DurableStash in a reactive (Spring WebFlux) web application: the sid cookie (a
 * {@link SidCookie} bean, shared with the servlet side's configuration) and its web filter, per-exchange view controllers, recovery before the handler and stashing before the
 * response is committed, the {@link StashedRoutes} handle for functional routes, and the failure
 * statuses. It runs after {@link DurableStashAutoConfiguration}, only when there is a
 * {@link StashAdapter}, and uses the same {@code durable-stash.*} properties as the servlet side. It
 * is also listed for the {@code @WebFluxTest} slice, with {@link DurableStashAutoConfiguration}
 * ({@code META-INF/spring/org.springframework.boot.webflux.test.autoconfigure.AutoConfigureWebFlux.imports}).
 * Every bean backs off when the application defines one of the same type.
 */
@AutoConfiguration(after = DurableStashAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnClass(DispatcherHandler.class)
@ConditionalOnBean(StashAdapter.class)
@EnableConfigurationProperties(DurableStashProperties.class)
@Import(SidCookieConfiguration.class)
public final class DurableStashReactiveAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    static PerExchangeControllers durableStashPerExchangeControllers() {
        return new PerExchangeControllers();
    }

    @Bean
    @ConditionalOnMissingBean
    StashedViewsWebFluxVerifier durableStashWebFluxViewsVerifier(StashedViews views) {
        return new StashedViewsWebFluxVerifier(views);
    }

    @Bean
    @ConditionalOnMissingBean
    SidWebFilter durableStashSidWebFilter(SidCookie cookie, ObjectProvider<StashSettings> settings,
            ObjectProvider<StashAdapter> adapter, ObjectProvider<ReactivePrincipalResolver> principals,
            ObjectProvider<ServerCodecConfigurer> codecs) {
        SidWebFilter filter = new SidWebFilter(cookie, settings::getObject, adapter::getObject);
        principals.ifAvailable(filter::setPrincipalResolver);
        codecs.ifAvailable(filter::setCodecConfigurer);
        return filter;
    }

    @Bean
    @ConditionalOnMissingBean
    StashedViewsWebFluxConfigurer durableStashWebFluxConfigurer(StashAdapter adapter, StashedViews views,
            StashSettings settings, DurableStashProperties properties) {
        return new StashedViewsWebFluxConfigurer(adapter, views, settings.operationTimeout(),
                SettingsMapping.failureStatus(properties));
    }

    @Bean
    @ConditionalOnMissingBean
    StashedViewsHandlerAdapter durableStashHandlerAdapter(StashedViewsWebFluxConfigurer integration,
            ObjectProvider<RequestMappingHandlerAdapter> delegate) {
        return new StashedViewsHandlerAdapter(integration, delegate::getObject);
    }

    @Bean
    @ConditionalOnMissingBean
    StashedRoutes durableStashRoutes(StashedViewsWebFluxConfigurer integration) {
        return new StashedRoutes(integration);
    }

    @Bean
    @ConditionalOnMissingBean
    ReactiveStashExceptionHandler durableStashExceptionHandler(StashedViewsWebFluxConfigurer integration,
            DurableStashProperties properties) {
        return new ReactiveStashExceptionHandler(properties.getFailureStatus());
    }
}

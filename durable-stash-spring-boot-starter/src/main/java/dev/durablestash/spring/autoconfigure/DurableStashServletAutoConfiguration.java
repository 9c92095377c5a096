package dev.durablestash.spring.autoconfigure;

import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.session.web.http.DefaultCookieSerializer;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;
import org.springframework.web.servlet.resource.ResourceHttpRequestHandler;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.servlet.PrincipalResolver;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.spring.web.servlet.StashBeforeResponsePostProcessor;
import dev.durablestash.spring.web.servlet.StashExceptionResolver;
import dev.durablestash.spring.web.servlet.StashedControllerScopePostProcessor;
import dev.durablestash.spring.web.servlet.StashedViewsVerifier;
import dev.durablestash.spring.web.servlet.StashedViewsWebMvcConfigurer;

/**
 * Auto-configuration of DurableStash in a servlet web application: the sid cookie (a {@link SidCookie}
 * bean, shared with the reactive side's configuration) and its filter and, with
 * Spring MVC on the classpath, the integration that recovers and stashes {@code @Stashed} fields.
 * It runs after {@link DurableStashAutoConfiguration} and only when there is a {@link StashAdapter}.
 *
 * <p>It is separate from the engine's auto-configuration so that each web stack has its own: test
 * slices import the engine and the one for their stack ({@code @WebMvcTest} imports both this and
 * {@link DurableStashAutoConfiguration}, listed in the starter's
 * {@code META-INF/spring/org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureWebMvc.imports}).
 * The WebFlux integration follows the same pattern: {@link DurableStashReactiveAutoConfiguration}, for
 * reactive web applications, listed with {@link DurableStashAutoConfiguration} in
 * {@code META-INF/spring/org.springframework.boot.webflux.test.autoconfigure.AutoConfigureWebFlux.imports}
 * (and the test backend's {@code InMemoryStorageAutoConfiguration} in that file of its module).
 * Every bean backs off when the application defines one of the same type; the handler and handler mapping
 * that serve {@code /durable-stash.js} back off for a bean of the same name.
 */
@AutoConfiguration(after = DurableStashAutoConfiguration.class)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnBean(StashAdapter.class)
@EnableConfigurationProperties(DurableStashProperties.class)
@Import(SidCookieConfiguration.class)
public final class DurableStashServletAutoConfiguration {

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ OncePerRequestFilter.class, DefaultCookieSerializer.class })
    static class SidFilterConfiguration {

        @Bean
        @ConditionalOnMissingBean
        SidFilter durableStashSidFilter(SidCookie cookie, ObjectProvider<StashSettings> settings,
                ObjectProvider<StashAdapter> adapter, ObjectProvider<PrincipalResolver> principals) {
            // The engine is looked up on first use: filters are made while the web server starts.
            SidFilter filter = new SidFilter(cookie, settings::getObject, adapter::getObject);
            principals.ifAvailable(filter::setPrincipalResolver);
            return filter;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ DispatcherServlet.class, WebMvcConfigurer.class, DefaultCookieSerializer.class })
    static class WebMvcConfiguration {

        @Bean
        @ConditionalOnMissingBean
        static StashedControllerScopePostProcessor durableStashControllerScopePostProcessor() {
            return new StashedControllerScopePostProcessor();
        }

        @Bean
        @ConditionalOnMissingBean
        static StashBeforeResponsePostProcessor durableStashBeforeResponsePostProcessor() {
            return new StashBeforeResponsePostProcessor();
        }

        @Bean
        @ConditionalOnMissingBean
        StashedViewsVerifier durableStashViewsVerifier(StashedViews views) {
            return new StashedViewsVerifier(views);
        }

        @Bean
        @ConditionalOnMissingBean
        StashedViewsWebMvcConfigurer durableStashWebMvcConfigurer(StashAdapter adapter, StashedViews views,
                StashSettings settings) {
            return new StashedViewsWebMvcConfigurer(adapter, views, settings.operationTimeout());
        }

        /**
         * Serves {@link StashedViewsWebMvcConfigurer#SCRIPT_PATH} from the starter's jar, with
         * {@code Cache-Control: no-cache}. A bean (not a resource handler of a {@code WebMvcConfigurer}), so that
         * an application that configures Spring MVC without {@code WebMvcConfigurer}s serves it too.
         */
        @Bean
        @ConditionalOnMissingBean(name = "durableStashScriptHandler")
        ResourceHttpRequestHandler durableStashScriptHandler() {
            ResourceHttpRequestHandler handler = new ResourceHttpRequestHandler();
            handler.setLocations(List.of(new ClassPathResource("META-INF/durable-stash/")));
            handler.setCacheControl(CacheControl.noCache());
            return handler;
        }

        /**
         * Maps {@link StashedViewsWebMvcConfigurer#SCRIPT_PATH} to the script's handler, after the application's
         * controllers, view controllers and functional routes, and before its static resources (Spring MVC's
         * resource handler mapping, which comes last but one).
         */
        @Bean
        @ConditionalOnMissingBean(name = "durableStashScriptHandlerMapping")
        SimpleUrlHandlerMapping durableStashScriptHandlerMapping(
                @Qualifier("durableStashScriptHandler") ResourceHttpRequestHandler handler) {
            return new SimpleUrlHandlerMapping(Map.of(StashedViewsWebMvcConfigurer.SCRIPT_PATH, handler),
                    Ordered.LOWEST_PRECEDENCE - 2);
        }

        @Bean
        @ConditionalOnMissingBean
        StashExceptionResolver durableStashExceptionResolver(DurableStashProperties properties) {
            return new StashExceptionResolver(SettingsMapping.failureStatus(properties));
        }
    }
}

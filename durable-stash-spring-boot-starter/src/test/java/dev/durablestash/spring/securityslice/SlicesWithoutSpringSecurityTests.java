package dev.durablestash.spring.securityslice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webflux.test.autoconfigure.AutoConfigureWebFlux;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureWebMvc;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;

import dev.durablestash.spring.security.SecurityContextPrincipalResolver;
import dev.durablestash.spring.web.reactive.ReactivePrincipalResolver;
import dev.durablestash.spring.web.reactive.SidWebFilter;
import dev.durablestash.spring.web.servlet.PrincipalResolver;
import dev.durablestash.spring.web.servlet.SidFilter;

/**
 * The starter lists its Spring Security integration for the annotations under which Spring Boot
 * lists Spring Security's own auto-configuration for slices ({@code @AutoConfigureMockMvc} and
 * {@code @AutoConfigureWebTestClient}, which {@code @WebMvcTest} and {@code @WebFluxTest} carry). A
 * slice of an application without Spring Security on its classpath still starts, with the starter's
 * web integration and no security beans.
 */
class SlicesWithoutSpringSecurityTests {

    private static final FilteredClassLoader WITHOUT_SPRING_SECURITY = new FilteredClassLoader("org.springframework.security");

    private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
            .withUserConfiguration(WebMvcSlice.class);

    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withUserConfiguration(WebFluxSlice.class);

    @Test
    void aWebMvcSliceWithSpringSecurityBindsTheBrowserSessionToThePrincipal() {
        servlet.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SidFilter.class)
                .getBean(PrincipalResolver.class).isInstanceOf(SecurityContextPrincipalResolver.class));
    }

    @Test
    void aWebMvcSliceWithoutSpringSecurityStarts() {
        servlet.withClassLoader(WITHOUT_SPRING_SECURITY).run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(MockMvc.class).hasSingleBean(SidFilter.class).doesNotHaveBean(PrincipalResolver.class));
    }

    @Test
    void aWebFluxSliceWithSpringSecurityBindsTheBrowserSessionToThePrincipal() {
        reactive.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SidWebFilter.class)
                .hasSingleBean(ReactivePrincipalResolver.class));
    }

    @Test
    void aWebFluxSliceWithoutSpringSecurityStarts() {
        reactive.withClassLoader(WITHOUT_SPRING_SECURITY).run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(WebTestClient.class).hasSingleBean(SidWebFilter.class)
                .doesNotHaveBean(ReactivePrincipalResolver.class));
    }

    /** The auto-configuration {@code @WebMvcTest} imports. */
    @Configuration(proxyBeanMethods = false)
    @AutoConfigureWebMvc
    @AutoConfigureMockMvc
    static class WebMvcSlice {
    }

    /** The auto-configuration {@code @WebFluxTest} imports. */
    @Configuration(proxyBeanMethods = false)
    @AutoConfigureWebFlux
    @AutoConfigureWebTestClient
    static class WebFluxSlice {
    }
}

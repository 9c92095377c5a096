package dev.durablestash.spring.autoconfigure;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.http.ResponseCookie;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.DispatcherHandler;

import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.reactive.PerExchangeControllers;
import dev.durablestash.spring.web.reactive.ReactiveBrowserSession;
import dev.durablestash.spring.web.reactive.ReactiveStashExceptionHandler;
import dev.durablestash.spring.web.reactive.SidWebFilter;
import dev.durablestash.spring.web.reactive.StashedRoutes;
import dev.durablestash.spring.web.reactive.StashedViewsHandlerAdapter;
import dev.durablestash.spring.web.reactive.StashedViewsWebFluxConfigurer;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;

import dev.durablestash.testsupport.ExpectedLogs;

import static org.assertj.core.api.Assertions.assertThat;

class DurableStashReactiveAutoConfigurationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    private static final AutoConfigurations ALL = AutoConfigurations.of(InMemoryStorageAutoConfiguration.class,
            DurableStashAutoConfiguration.class, DurableStashServletAutoConfiguration.class,
            DurableStashReactiveAutoConfiguration.class);

    private final ReactiveWebApplicationContextRunner reactive = new ReactiveWebApplicationContextRunner()
            .withConfiguration(ALL).withPropertyValues("durable-stash.storage.type=memory");

    private final WebApplicationContextRunner servlet = new WebApplicationContextRunner()
            .withConfiguration(ALL).withPropertyValues("durable-stash.storage.type=memory");

    @Test
    void aReactiveApplicationGetsTheReactiveIntegrationAndNoServletFilter() {
        reactive.run((context) -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(StashAdapter.class)
                    .hasSingleBean(SidWebFilter.class)
                    .hasSingleBean(PerExchangeControllers.class)
                    .hasSingleBean(StashedViewsWebFluxConfigurer.class)
                    .hasSingleBean(StashedViewsHandlerAdapter.class)
                    .hasSingleBean(StashedRoutes.class)
                    .hasSingleBean(ReactiveStashExceptionHandler.class)
                    .doesNotHaveBean(SidFilter.class);
            assertThat(context.getBean(SidWebFilter.class).getOrder()).isEqualTo(SidWebFilter.DEFAULT_ORDER);
        });
    }

    @Test
    void aServletApplicationGetsNoneOfTheReactiveBeans() {
        servlet.run((context) -> assertThat(context).hasNotFailed()
                .hasSingleBean(SidFilter.class)
                .doesNotHaveBean(SidWebFilter.class)
                .doesNotHaveBean(StashedViewsHandlerAdapter.class)
                .doesNotHaveBean(PerExchangeControllers.class)
                .doesNotHaveBean(StashedRoutes.class));
    }

    @Test
    void theReactiveIntegrationBacksOffWithoutWebFlux() {
        reactive.withClassLoader(new FilteredClassLoader(DispatcherHandler.class)).run((context) -> assertThat(context)
                .hasNotFailed()
                .hasSingleBean(StashAdapter.class)
                .doesNotHaveBean(SidWebFilter.class)
                .doesNotHaveBean(StashedViewsHandlerAdapter.class));
    }

    @Test
    void theReactiveIntegrationBacksOffWithoutAnEngine() {
        new ReactiveWebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashReactiveAutoConfiguration.class))
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SidWebFilter.class));
    }

    @Test
    void autoConfiguredSidWebFilterBacksOffWhenUserConfiguresOne() {
        reactive.withBean("mySidWebFilter", SidWebFilter.class, () -> new SidWebFilter(new SidCookie(),
                () -> StashSettings.builder().secret("x".repeat(32)).build(), () -> null))
                .run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SidWebFilter.class)
                        .hasBean("mySidWebFilter"));
    }

    @Test
    void sidCookieCustomizersChangeTheReactiveCookieAfterTheProperties() {
        reactive.withPropertyValues("durable-stash.cookie.name=stash", "durable-stash.cookie.max-age=1h")
                .withBean(SidCookieCustomizer.class, () -> (cookie) -> {
                    cookie.setSameSite("Strict");
                    cookie.setDomain("example.com");
                }).run((context) -> {
                    ResponseCookie cookie = issueCookie(context).getResponse().getCookies().getFirst("stash");
                    assertThat(cookie).isNotNull();
                    assertThat(cookie.getSameSite()).isEqualTo("Strict");
                    assertThat(cookie.getDomain()).isEqualTo("example.com");
                    assertThat(cookie.getMaxAge()).isEqualTo(Duration.ofHours(1));
                    assertThat(cookie.isHttpOnly()).isTrue();
                });
    }

    @Test
    void aSameSiteNoneReactiveCookieIsSecureOverHttpToo() {
        reactive.withPropertyValues("durable-stash.cookie.same-site=None").run((context) -> {
            ResponseCookie cookie = issueCookie(context).getResponse().getCookies().getFirst("sid");
            assertThat(cookie).isNotNull();
            assertThat(cookie.getSameSite()).isEqualTo("None");
            assertThat(cookie.isSecure()).as("over http").isTrue();
        });
    }

    @Test
    void autoConfiguredSidCookieBacksOffWhenUserConfiguresASidCookie() {
        reactive.withPropertyValues("durable-stash.cookie.name=stash")
                .withBean(SidCookieCustomizer.class, () -> (cookie) -> cookie.setSameSite("Strict"))
                .withBean("mySidCookie", SidCookie.class, () -> {
                    SidCookie cookie = new SidCookie();
                    cookie.setName("mine");
                    return cookie;
                }).run((context) -> {
                    assertThat(context).hasSingleBean(SidCookie.class).hasBean("mySidCookie");
                    MockServerWebExchange exchange = issueCookie(context);
                    assertThat(exchange.getResponse().getCookies().getFirst("stash")).isNull();
                    assertThat(exchange.getResponse().getCookies().getFirst("mine").getSameSite()).isEqualTo("Lax");
                });
    }

    private static MockServerWebExchange issueCookie(AssertableReactiveWebApplicationContext context) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("http://localhost/"));
        AtomicReference<String> sid = new AtomicReference<>();
        context.getBean(SidWebFilter.class).filter(exchange, (e) -> ReactiveBrowserSession.of(e).sid()
                .doOnNext(sid::set).then()).block(Duration.ofSeconds(10));
        assertThat(sid.get()).isNotNull();
        return exchange;
    }

    @Test
    void invalidCookieAndStatusPropertiesFailStartupNamingTheProperty() {
        reactive.withPropertyValues("durable-stash.cookie.name= ").run((context) -> assertThat(context).hasFailed()
                .getFailure().rootCause().isInstanceOf(InvalidConfigurationPropertyValueException.class)
                .hasMessageContaining("durable-stash.cookie.name").hasMessageContaining("must not be empty"));
        reactive.withPropertyValues("durable-stash.cookie.max-age=-1s").run((context) -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessageContaining("durable-stash.cookie.max-age")
                .hasMessageContaining("must be positive"));
        reactive.withPropertyValues("durable-stash.failure-status=200").run((context) -> assertThat(context)
                .hasFailed().getFailure().rootCause().hasMessageContaining("durable-stash.failure-status"));
    }

    @Test
    void aCustomizerThatSetsACookieNameNoBrowserAcceptsFailsStartup() {
        // the context starts; ResponseCookie then refuses the name on every request that issues the cookie
        reactive.withBean(SidCookieCustomizer.class, () -> (cookie) -> cookie.setName("my sid"))
                .run((context) -> assertThat(context).hasFailed());
    }

    @Test
    void aBlankSameSiteIsWrittenAsTheServletFilterWritesIt() {
        // the servlet SidFilter (DefaultCookieSerializer) writes SameSite=Lax for durable-stash.cookie.same-site=
        reactive.withPropertyValues("durable-stash.cookie.same-site=").run((context) -> {
            ResponseCookie cookie = issueCookie(context).getResponse().getCookies().getFirst("sid");
            assertThat(cookie).isNotNull();
            assertThat(cookie.getSameSite()).isEqualTo("Lax");
        });
    }

    @Test
    void aCustomizerThatSetsANegativeMaxAgeFailsStartupNamingTheAttribute() {
        reactive.withBean(SidCookieCustomizer.class, () -> (cookie) -> cookie.setMaxAge(Duration.ofSeconds(-1)))
                .run((context) -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("max-age").hasMessageContaining("must be positive"));
    }
}

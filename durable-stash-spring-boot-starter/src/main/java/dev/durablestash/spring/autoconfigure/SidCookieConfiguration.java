package dev.durablestash.spring.autoconfigure;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.web.SidCookie;

/**
 * The {@link SidCookie} bean both web auto-configurations import (only one of them applies): mapped from
 * the {@code durable-stash.cookie.*} properties, then handed to the {@link SidCookieCustomizer}s in order.
 */
@Configuration(proxyBeanMethods = false)
class SidCookieConfiguration {

    @Bean
    @ConditionalOnMissingBean
    SidCookie durableStashSidCookie(DurableStashProperties properties, ObjectProvider<SidCookieCustomizer> customizers) {
        SidCookie cookie = SettingsMapping.sidCookie(properties.getCookie());
        customizers.orderedStream().forEach((customizer) -> customizer.customize(cookie));
        return cookie;
    }
}

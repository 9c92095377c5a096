package com.example.docs;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.autoconfigure.SidCookieCustomizer;

@Configuration(proxyBeanMethods = false)
class CookieConfiguration {
  @Bean
  SidCookieCustomizer strictSidCookie() {
    return (cookie) -> cookie.setSameSite("Strict");
  }
}

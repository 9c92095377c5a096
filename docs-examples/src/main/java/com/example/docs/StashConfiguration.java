package com.example.docs;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.autoconfigure.StashSettingsCustomizer;

@Configuration(proxyBeanMethods = false)
class StashConfiguration {
  @Bean
  StashSettingsCustomizer stashTuning() {
    return (builder) -> builder.maxWriteAttempts(5);
  }
}

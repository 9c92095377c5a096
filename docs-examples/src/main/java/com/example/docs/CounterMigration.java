package com.example.docs;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.durablestash.spring.ViewMigrator;

@Configuration(proxyBeanMethods = false)
class CounterMigration {
  @Bean
  ViewMigrator counterMigrator() {
    return ViewMigrator.of(CounterController.class, (storedVsn, data) -> {
      data.put("count", data.path("clicks").asInt());   // vsn 1 called it "clicks"
      data.remove("clicks");
      return data;                                      // or null to drop the slice
    });
  }
}

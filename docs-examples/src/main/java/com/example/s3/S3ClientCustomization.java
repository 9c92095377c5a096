package com.example.s3;

import java.util.concurrent.atomic.LongAdder;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.durablestash.spring.autoconfigure.DurableStashS3ClientCustomizer;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

@Configuration(proxyBeanMethods = false)
class S3ClientCustomization {
  @Bean
  @Order(1)
  DurableStashS3ClientCustomizer sessionsProfile() {
    return (builder) -> builder.credentialsProvider(ProfileCredentialsProvider.create("sessions"));
  }

  @Bean
  @Order(2)
  DurableStashS3ClientCustomizer countRequests() {
    return (builder) -> builder.overrideConfiguration(builder.overrideConfiguration().toBuilder() // keeps the timeouts
        .addExecutionInterceptor(new RequestCounter())
        .build());
  }

  static class RequestCounter implements ExecutionInterceptor {
    final LongAdder requests = new LongAdder();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
      requests.increment();
    }
  }
}

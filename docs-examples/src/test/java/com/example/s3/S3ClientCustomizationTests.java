package com.example.s3;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.durablestash.spring.autoconfigure.DurableStashAutoConfiguration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The customizers of docs/s3.md, applied to the client the starter builds (no request is sent). */
class S3ClientCustomizationTests {

  @Test
  void theCustomizersAddTheirSettingsAndKeepTheTimeouts() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
        .withUserConfiguration(S3ClientCustomization.class)
        .withPropertyValues("durable-stash.storage.s3.bucket=my-app-sessions",
            "durable-stash.secret=a-secret-of-at-least-thirty-two-bytes!!",
            "durable-stash.storage.s3.endpoint=http://127.0.0.1:1", "durable-stash.storage.s3.store-check=off")
        .run((context) -> {
          assertThat(context).hasNotFailed();
          ClientOverrideConfiguration client = context.getBean(S3AsyncClient.class).serviceClientConfiguration()
              .overrideConfiguration();
          assertThat(client.executionInterceptors()).anySatisfy((interceptor) ->
              assertThat(interceptor).isInstanceOf(S3ClientCustomization.RequestCounter.class));
          assertThat(client.apiCallTimeout()).hasValue(Duration.ofSeconds(5));
        });
  }
}

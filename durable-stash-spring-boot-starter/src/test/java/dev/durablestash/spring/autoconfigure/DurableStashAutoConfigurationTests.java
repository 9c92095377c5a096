package dev.durablestash.spring.autoconfigure;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;

import jakarta.servlet.http.Cookie;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.DispatcherServlet;

import dev.durablestash.core.InvalidValuePolicy;
import dev.durablestash.core.MountKind;
import dev.durablestash.core.Recovery;
import dev.durablestash.core.RecoveryStatus;
import dev.durablestash.core.SessionIds;
import dev.durablestash.core.StashAdapter;
import dev.durablestash.core.StashSettings;
import dev.durablestash.core.ViewDefinition;
import dev.durablestash.spring.StashedView;
import dev.durablestash.spring.ViewMigrator;
import dev.durablestash.spring.metrics.StashMetrics;
import dev.durablestash.spring.web.SidCookie;
import dev.durablestash.spring.web.StashedViews;
import dev.durablestash.spring.web.servlet.BrowserSession;
import dev.durablestash.spring.web.servlet.SidFilter;
import dev.durablestash.spring.web.servlet.StashExceptionResolver;
import dev.durablestash.spring.web.servlet.StashedViewsWebMvcConfigurer;
import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import dev.durablestash.storage.StorageBackend;
import dev.durablestash.storage.StorageException;
import dev.durablestash.storage.filesystem.FileSystemStorageBackend;
import dev.durablestash.storage.s3.S3StorageBackend;
import dev.durablestash.testing.InMemoryStorageBackend;
import dev.durablestash.testing.autoconfigure.InMemoryStorageAutoConfiguration;
import dev.durablestash.testsupport.ExpectedLogs;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DurableStashAutoConfigurationTests {

    @RegisterExtension
    final ExpectedLogs logs = ExpectedLogs.ofLoggers("dev.durablestash", "org.springframework.context",
            "org.springframework.boot.web.context")
            // The startup failures these tests provoke; each test asserts its failure and the message.
            .allow(Level.WARN, "Exception encountered during context initialization - cancelling refresh attempt");

    /** These tests are about the client and the backend, not the store check (see S3StoreCheckTests). */
    private static final String NO_STORE_CHECK = "durable-stash.storage.s3.store-check=off";

    private static final String SECRET = "a-secret-of-at-least-thirty-two-bytes!!";

    private static final ViewDefinition COUNTER = ViewDefinition.builder("counter").key("count", int.class).build();

    @TempDir
    Path directory;

    private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                    DurableStashServletAutoConfiguration.class));

    /** With durable-stash-test-backend's auto-configuration, as on an application's test classpath. */
    private final WebApplicationContextRunner inMemory = contextRunner
            .withConfiguration(AutoConfigurations.of(InMemoryStorageAutoConfiguration.class))
            .withPropertyValues("durable-stash.storage.type=memory");

    private WebApplicationContextRunner inTempDirectory() {
        return contextRunner.withPropertyValues("durable-stash.storage.filesystem.directory=" + directory);
    }

    @Test
    void defaultsUseTheFilesystemBackendWithAGeneratedSecretKeptInItsDirectory() throws Exception {
        inTempDirectory().run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(FileSystemStorageBackend.class);
            assertThat(context.getBean(FileSystemStorageBackend.class).root()).isEqualTo(directory.toRealPath());
            assertThat(context).hasSingleBean(StashAdapter.class).hasSingleBean(StashSettings.class)
                    .hasSingleBean(StashedViews.class).hasSingleBean(SidFilter.class)
                    .hasSingleBean(StashedViewsWebMvcConfigurer.class).hasSingleBean(StashExceptionResolver.class);
        });
        Path secret = directory.resolve(GeneratedSecret.FILE_NAME);
        assertThat(secret).isRegularFile();
        assertThat(Files.readString(secret).trim().length()).isGreaterThanOrEqualTo(StashSettings.MIN_SECRET_BYTES);
        if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        }
    }

    @Test
    void theGeneratedSecretIsReusedOnRestartSoStateSurvives() throws Exception {
        String sid = SessionIds.newSid();
        inTempDirectory().run((context) -> context.getBean(StashAdapter.class)
                .stash(sid, COUNTER, Map.of("count", 7)).toCompletableFuture().join());
        String firstSecret = Files.readString(directory.resolve(GeneratedSecret.FILE_NAME));
        inTempDirectory().run((context) -> {
            Recovery recovery = context.getBean(StashAdapter.class).recover(sid, COUNTER, MountKind.FRESH)
                    .toCompletableFuture().join();
            assertThat(recovery.status()).isEqualTo(RecoveryStatus.RECOVERED);
            assertThat(recovery.<Integer>get("count")).isEqualTo(7);
        });
        assertThat(Files.readString(directory.resolve(GeneratedSecret.FILE_NAME))).isEqualTo(firstSecret);
    }

    @Test
    void aConfiguredSecretIsUsedAndNoSecretFileIsWritten() {
        inTempDirectory().withPropertyValues("durable-stash.secret=" + SECRET).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(directory.resolve(GeneratedSecret.FILE_NAME)).doesNotExist();
        });
    }

    @Test
    void propertiesAreMappedOntoTheEngineSettings() {
        inTempDirectory().withPropertyValues("durable-stash.ttl=1h", "durable-stash.max-value-size=2KB",
                "durable-stash.max-document-size=3MB", "durable-stash.actor.max-live=5",
                "durable-stash.actor.max-live-bytes=20MB", "durable-stash.actor.idle-timeout=30s", "durable-stash.revalidate-on-mount=false",
                "durable-stash.on-invalid-value=log").run((context) -> {
                    StashSettings settings = context.getBean(StashSettings.class);
                    assertThat(settings.ttl()).isEqualTo(Duration.ofHours(1));
                    assertThat(settings.maxValueBytes()).isEqualTo(2048);
                    assertThat(settings.maxDocumentBytes()).isEqualTo(3 * 1024 * 1024);
                    assertThat(settings.maxLiveActors()).isEqualTo(5);
                    assertThat(settings.maxLiveBytes()).isEqualTo(20L * 1024 * 1024);
                    assertThat(settings.actorIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(settings.revalidateOnMount()).isFalse();
                    assertThat(settings.invalidValuePolicy()).isEqualTo(InvalidValuePolicy.LOG);
                    assertThat(settings.keyPrefix()).isEqualTo("durable-stash/");
                });
    }

    @Test
    void theOperationTimeoutDefaultsToTenSeconds() {
        inTempDirectory().run((context) -> assertThat(context.getBean(StashSettings.class).operationTimeout())
                .isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    void theOperationTimeoutPropertyIsMappedOntoTheEngineSettings() {
        inTempDirectory().withPropertyValues("durable-stash.operation-timeout=2500ms").run((context) -> assertThat(
                context.getBean(StashSettings.class).operationTimeout()).isEqualTo(Duration.ofMillis(2500)));
        inTempDirectory().withPropertyValues("durable-stash.operation-timeout=3").run((context) -> assertThat(
                context.getBean(StashSettings.class).operationTimeout()).as("a bare number is seconds, not milliseconds")
                .isEqualTo(Duration.ofSeconds(3)));
    }

    @Test
    void theS3ClientTheStarterBuildsTimesOutBeforeTheOperationDeadline() {
        ApplicationContextRunner s3 = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", NO_STORE_CHECK, "durable-stash.secret=" + SECRET,
                        "durable-stash.storage.s3.endpoint=http://127.0.0.1:1");
        s3.run((context) -> {
            ClientOverrideConfiguration client = context.getBean(S3StorageBackend.class).clientConfiguration()
                    .overrideConfiguration();
            assertThat(client.apiCallTimeout()).as("default").hasValue(Duration.ofSeconds(5));
            assertThat(client.apiCallAttemptTimeout()).as("default").hasValue(Duration.ofMillis(2500));
        });
        s3.withPropertyValues("durable-stash.operation-timeout=2s").run((context) -> {
            ClientOverrideConfiguration client = context.getBean(S3StorageBackend.class).clientConfiguration()
                    .overrideConfiguration();
            assertThat(client.apiCallTimeout()).hasValue(Duration.ofSeconds(1));
            assertThat(client.apiCallAttemptTimeout()).hasValue(Duration.ofMillis(500));
            assertThat(context.getBean(StashSettings.class).operationTimeout()).isEqualTo(Duration.ofSeconds(2));
        });
        s3.withPropertyValues("durable-stash.operation-timeout=0s")
                .run((context) -> assertFailedOn(context, "durable-stash.operation-timeout", "must be positive"));
    }

    @Test
    void stashSettingsCustomizersRunAfterTheProperties() {
        inTempDirectory().withPropertyValues("durable-stash.ttl=1h")
                .withBean(StashSettingsCustomizer.class, () -> (builder) -> builder.maxWriteAttempts(3))
                .run((context) -> {
                    assertThat(context.getBean(StashSettings.class).maxWriteAttempts()).isEqualTo(3);
                    assertThat(context.getBean(StashSettings.class).ttl()).isEqualTo(Duration.ofHours(1));
                });
    }

    @Test
    void theSidCookieIsWrittenWithTheDefaultPolicy() {
        inTempDirectory().run((context) -> {
            MockHttpServletResponse response = issueCookie(context, false);
            Cookie cookie = response.getCookie("sid");
            assertThat(cookie).isNotNull();
            assertThat(cookie.getValue()).matches("[A-Za-z0-9_-]{43}\\.[A-Za-z0-9_-]{22}");
            String header = response.getHeader("Set-Cookie");
            assertThat(header).contains("HttpOnly", "SameSite=Lax").doesNotContain("Secure", "Max-Age");
            assertThat(issueCookie(context, true).getHeader("Set-Cookie")).as("https").contains("Secure");
        });
    }

    @Test
    void cookiePropertiesConfigureTheSidCookie() {
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=stash", "durable-stash.cookie.max-age=1h",
                "durable-stash.cookie.secure=true", "durable-stash.cookie.same-site=Strict",
                "durable-stash.cookie.domain=example.com", "durable-stash.cookie.path=/app").run((context) -> {
                    String header = issueCookie(context, false).getHeader("Set-Cookie");
                    assertThat(header).startsWith("stash=").contains("Max-Age=3600", "Secure", "SameSite=Strict",
                            "Domain=example.com", "Path=/app", "HttpOnly");
                });
    }

    @Test
    void aCookieDomainOrPathNoCookieCanHaveFailsStartupNamingTheProperty() {
        // Otherwise the app starts and every request that issues the cookie fails when it is written.
        for (String domain : new String[] { "https://example.com/", "example.com; SameSite=None", ".example.com",
                "example..com", "-example.com", "example.com-", "example-.com", "ex ample.com", "ex\u00e4mple.com" }) {
            inTempDirectory().withPropertyValues("durable-stash.cookie.domain=" + domain)
                    .run((context) -> assertFailedOn(context, "durable-stash.cookie.domain", "domain must be"));
        }
        for (String path : new String[] { "app", "/app;Domain=example.com", "/\u00e4pp", "/app\tx" }) {
            inTempDirectory().withPropertyValues("durable-stash.cookie.path=" + path)
                    .run((context) -> assertFailedOn(context, "durable-stash.cookie.path", "path must"));
        }
        inTempDirectory().withPropertyValues("durable-stash.cookie.domain=shop-1.example.com",
                "durable-stash.cookie.path=/app/x-1").run((context) -> assertThat(issueCookie(context, false)
                        .getHeader("Set-Cookie")).contains("Domain=shop-1.example.com", "Path=/app/x-1"));
        inTempDirectory().withBean(SidCookieCustomizer.class, () -> (cookie) -> cookie.setDomain("https://example.com"))
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(rootCause(context.getStartupFailure())).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("https://example.com");
                });
    }

    @Test
    void aSameSiteNoneCookieIsAlwaysSecureAndCannotBeMadeInsecure() {
        // Browsers refuse a SameSite=None cookie without Secure: the session would never stick.
        inTempDirectory().withPropertyValues("durable-stash.cookie.same-site=none").run((context) -> {
            assertThat(issueCookie(context, false).getHeader("Set-Cookie")).as("http").contains("SameSite=None", "Secure");
            assertThat(issueCookie(context, true).getHeader("Set-Cookie")).as("https").contains("SameSite=None", "Secure");
        });
        inTempDirectory().withPropertyValues("durable-stash.cookie.same-site=None", "durable-stash.cookie.secure=false")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.secure", "refuse without Secure"));
        inTempDirectory().withBean(SidCookieCustomizer.class, () -> (cookie) -> {
            cookie.setSameSite("None");
            cookie.setSecure(false);
        }).run((context) -> assertThat(issueCookie(context, false).getHeader("Set-Cookie")).as("a customizer's")
                .contains("SameSite=None", "Secure"));
    }

    @Test
    void aHostPrefixedCookieIsSecureWithPathSlashAndRefusesWhatBrowsersWouldRefuse() {
        // Browsers refuse a __Host- cookie without Secure, with a Domain or with a Path other than /.
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__Host-sid").run((context) ->
                assertThat(issueCookie(context, false).getHeader("Set-Cookie")).as("http").startsWith("__Host-sid=")
                        .contains("Secure", "Path=/;").doesNotContain("Domain"));
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__Secure-sid").run((context) ->
                assertThat(issueCookie(context, false).getHeader("Set-Cookie")).as("http").contains("Secure"));
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__Host-sid", "durable-stash.cookie.secure=false")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.secure", "refuse without Secure"));
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__host-sid", "durable-stash.cookie.domain=example.com")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.domain", "with a Domain"));
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__Host-sid", "durable-stash.cookie.path=/app")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.path", "only with Path=/"));
        SidCookie underAContextPath = new SidCookie();
        underAContextPath.setName("__Host-sid");
        underAContextPath.setSecure(false);
        assertThat(underAContextPath.getPath()).as("not the context path followed by /").isEqualTo("/");
        assertThat(underAContextPath.getSecure()).isTrue();
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=__Host-sid")
                .withBean(SidCookieCustomizer.class, () -> (cookie) -> {
                    cookie.setDomain("example.com");
                    cookie.setPath("/app");
                }).run((context) -> assertThat(issueCookie(context, false).getHeader("Set-Cookie"))
                        .as("a customizer's domain and path").contains("Path=/;", "Secure").doesNotContain("Domain"));
    }

    @Test
    void sidCookieCustomizersChangeTheCookieAfterThePropertiesInTheirOrder() {
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=stash")
                .withUserConfiguration(CookieCustomizers.class).run((context) -> {
                    assertThat(context).hasSingleBean(SidCookie.class);
                    String header = issueCookie(context, false).getHeader("Set-Cookie");
                    assertThat(header).startsWith("stash=").contains("SameSite=Strict", "Path=/second", "HttpOnly");
                });
    }

    @Test
    void autoConfiguredSidCookieBacksOffWhenUserConfiguresASidCookie() {
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=stash")
                .withUserConfiguration(CookieCustomizers.class)
                .withBean("mySidCookie", SidCookie.class, () -> {
                    SidCookie cookie = new SidCookie();
                    cookie.setName("mine");
                    return cookie;
                }).run((context) -> {
                    assertThat(context).hasSingleBean(SidCookie.class).hasBean("mySidCookie");
                    String header = issueCookie(context, false).getHeader("Set-Cookie");
                    assertThat(header).startsWith("mine=").contains("SameSite=Lax", "Path=/", "HttpOnly");
                });
    }

    @Test
    void invalidCookiePropertiesFailStartupWithTheirReasons() {
        inTempDirectory().withPropertyValues("durable-stash.cookie.name= ")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.name", "must not be empty"));
        inTempDirectory().withPropertyValues("durable-stash.cookie.max-age=0s")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.max-age", "must be positive"));
        // Max-Age counts whole seconds: 500 ms would be written as Max-Age=0, which deletes the cookie.
        inTempDirectory().withPropertyValues("durable-stash.cookie.max-age=500ms")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.max-age", "at least 1 second"));
    }

    @Test
    void bareNumbersOfTheDurationsMeanSeconds() {
        inTempDirectory().withPropertyValues("durable-stash.operation-timeout=10", "durable-stash.ttl=30",
                "durable-stash.actor.idle-timeout=300", "durable-stash.cookie.max-age=600").run((context) -> {
                    assertThat(context).hasNotFailed();
                    StashSettings settings = context.getBean(StashSettings.class);
                    assertThat(settings.operationTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(settings.ttl()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(settings.actorIdleTimeout()).isEqualTo(Duration.ofSeconds(300));
                    assertThat(context.getBean(SidCookie.class).getMaxAge()).isEqualTo(Duration.ofSeconds(600));
                });
    }

    @Test
    void aCookieNameNoBrowserAcceptsFailsStartupNamingTheProperty() {
        // only a blank name is refused: "my sid" starts and every new session is sent "Set-Cookie: my sid=..."
        inTempDirectory().withPropertyValues("durable-stash.cookie.name=my sid")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.name", ""));
    }

    @Test
    void aSameSiteOtherThanLaxStrictOrNoneFailsStartupNamingTheProperty() {
        // README and docs/spring.md: Lax, Strict or None, checked at startup; "Bogus" starts and is written as is
        inTempDirectory().withPropertyValues("durable-stash.cookie.same-site=Bogus")
                .run((context) -> assertFailedOn(context, "durable-stash.cookie.same-site", ""));
    }

    @Test
    void aSidCookieChangedWhileTheContextStartsIsTheOneWritten() {
        // SidCookie: "configure it before the filters that use it serve requests (while the application context starts)"
        inTempDirectory().withUserConfiguration(LateCookieChange.class).run((context) -> {
            assertThat(context.getBean(SidCookie.class).getMaxAge()).isEqualTo(Duration.ofHours(1));
            assertThat(issueCookie(context, false).getHeader("Set-Cookie")).contains("Max-Age=3600");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class LateCookieChange {

        @Bean
        String lateSidCookieChange(SidCookie cookie, SidFilter filter) {
            cookie.setMaxAge(Duration.ofHours(1)); // no request served yet
            return "changed";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CookieCustomizers {

        @Bean
        @Order(2)
        SidCookieCustomizer secondPath() {
            return (cookie) -> cookie.setPath("/second");
        }

        @Bean
        @Order(1)
        SidCookieCustomizer strictAndFirstPath() {
            return (cookie) -> {
                cookie.setSameSite("Strict");
                cookie.setPath("/first");
            };
        }
    }

    private static MockHttpServletResponse issueCookie(AssertableWebApplicationContext context, boolean https)
            throws Exception {
        SidFilter filter = context.getBean(SidFilter.class);
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/");
        request.setSecure(https);
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicReference<String> sid = new AtomicReference<>();
        filter.doFilter(request, response, (req, res) -> sid.set(BrowserSession.of(request).sid()));
        assertThat(sid.get()).isNotNull();
        return response;
    }

    @Test
    void memoryStorageUsesTheInMemoryBackendWithoutASecret() {
        inMemory.run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(InMemoryStorageBackend.class);
        });
    }

    @Test
    void memoryStorageWithoutTheTestBackendFailsNamingThePropertyAndTheModule() {
        contextRunner.withPropertyValues("durable-stash.storage.type=memory")
                .run((context) -> assertFailedOn(context, "durable-stash.storage.type", "durable-stash-test-backend"));
    }

    @Test
    void s3StorageReusesTheApplicationsS3AsyncClient() {
        contextRunner.withUserConfiguration(S3ClientConfiguration.class)
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", NO_STORE_CHECK, "durable-stash.secret=" + SECRET,
                        "durable-stash.storage.s3.prefix=app1/")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).getBean(StorageBackend.class).isInstanceOf(S3StorageBackend.class);
                    assertThat(context.getBean(StorageBackend.class).describe()).contains("stash-bucket");
                    assertThat(context.getBean(StashSettings.class).keyPrefix()).isEqualTo("app1/");
                    assertThat(context).hasSingleBean(S3AsyncClient.class);
                });
    }

    @Test
    void s3StorageBuildsItsOwnClientFromTheProperties() {
        contextRunner.withPropertyValues("durable-stash.storage.type=s3", "durable-stash.storage.s3.bucket=stash-bucket", NO_STORE_CHECK,
                "durable-stash.secret=" + SECRET, "durable-stash.storage.s3.endpoint=http://127.0.0.1:1",
                "durable-stash.storage.s3.region=eu-west-1", "durable-stash.storage.s3.path-style-access=true")
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).getBean(StorageBackend.class).isInstanceOf(S3StorageBackend.class);
                    assertThat(context.getBean(StorageBackend.class).describe()).contains("stash-bucket",
                            "http://127.0.0.1:1");
                });
    }

    @Test
    void s3StorageWithoutASecretFailsNamingTheSecretProperty() {
        contextRunner.withUserConfiguration(S3ClientConfiguration.class)
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", NO_STORE_CHECK)
                .run((context) -> assertFailedOn(context, "durable-stash.secret", "durable-stash.secret"));
    }

    @Test
    void aBucketWithoutARegionFailsNamingTheRegionProperty(@TempDir Path nowhere) {
        assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null,
                "the environment names an AWS region");
        // No region from the system properties, a profile file or the instance metadata either.
        contextRunner.withSystemProperties("aws.configFile=" + nowhere.resolve("config"),
                        "aws.sharedCredentialsFile=" + nowhere.resolve("credentials"), "aws.disableEc2Metadata=true")
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", "durable-stash.secret=" + SECRET,
                        NO_STORE_CHECK)
                .run((context) -> assertFailedOn(context, "durable-stash.storage.s3.region", "no region for the S3 client"));
    }

    @Test
    void s3StorageTypeWithoutABucketFailsNamingTheBucketProperty() {
        contextRunner.withPropertyValues("durable-stash.storage.type=s3", "durable-stash.secret=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.storage.s3.bucket", "bucket"));
    }

    @Test
    void aBucketWithoutTheAwsSdkFailsNamingTheMissingModule() {
        contextRunner.withClassLoader(new FilteredClassLoader(S3AsyncClient.class))
                .withPropertyValues("durable-stash.storage.s3.bucket=stash-bucket", NO_STORE_CHECK, "durable-stash.secret=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.storage.s3.bucket", "software.amazon.awssdk:s3"));
    }

    @Test
    void withoutTheAwsSdkTheDefaultIsStillTheFilesystem() {
        inTempDirectory().withClassLoader(new FilteredClassLoader(S3AsyncClient.class)).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(StorageBackend.class).isInstanceOf(FileSystemStorageBackend.class);
        });
    }

    @Test
    void autoConfiguredBeansBackOffWhenTheApplicationDefinesThem() {
        InMemoryStorageBackend storage = new InMemoryStorageBackend();
        StashSettings settings = StashSettings.builder().secret(SECRET).build();
        StashAdapter adapter = new StashAdapter(storage, settings);
        SidFilter sidFilter = new SidFilter(new SidCookie(), () -> settings, () -> adapter);
        inTempDirectory().withBean(StorageBackend.class, () -> storage).withBean(SidFilter.class, () -> sidFilter)
                .withBean(StashExceptionResolver.class, () -> new StashExceptionResolver(500))
                .run((context) -> {
                    assertThat(context).getBean(StorageBackend.class).isSameAs(storage);
                    assertThat(context).getBean(SidFilter.class).isSameAs(sidFilter);
                    assertThat(context).hasSingleBean(StashExceptionResolver.class);
                    assertThat(directory.resolve(GeneratedSecret.FILE_NAME)).doesNotExist();
                });
        inTempDirectory().withBean(StashSettings.class, () -> settings).withBean(StashAdapter.class, () -> adapter)
                .run((context) -> {
                    assertThat(context).getBean(StashSettings.class).isSameAs(settings);
                    assertThat(context).getBean(StashAdapter.class).isSameAs(adapter);
                });
    }

    @Test
    void theEngineRunsOnItsOwnPoolWhichIsShutDownWithTheContext() {
        AtomicReference<ExecutorService> pool = new AtomicReference<>();
        HeldPutsBackend backend = new HeldPutsBackend();
        withHeldPuts(backend).run((context) -> {
            pool.set(context.getBean(DurableStashAutoConfiguration.EXECUTOR_BEAN_NAME, ExecutorService.class));
            assertThat(context.getBean(StashSettings.class).executor()).isSameAs(pool.get());
            stashNestedInAnotherSessionsActor(context.getBean(StashAdapter.class), backend);
            assertThat(((ThreadPoolExecutor) pool.get()).getTaskCount()).as("tasks the engine gave the pool")
                    .isPositive();
            assertThat(pool.get().isShutdown()).isFalse();
        });
        assertThat(pool.get().isShutdown()).isTrue();
    }

    @Test
    void theEnginesPoolBacksOffWhenTheApplicationDefinesOneOfTheSameName() {
        RecordingExecutor executor = new RecordingExecutor("app-engine-");
        HeldPutsBackend backend = new HeldPutsBackend();
        try {
            withHeldPuts(backend)
                    .withBean(DurableStashAutoConfiguration.EXECUTOR_BEAN_NAME, Executor.class, () -> executor)
                    .run((context) -> {
                        assertThat(context.getBean(DurableStashAutoConfiguration.EXECUTOR_BEAN_NAME)).isSameAs(executor);
                        assertThat(context.getBean(StashSettings.class).executor()).isSameAs(executor);
                        stashNestedInAnotherSessionsActor(context.getBean(StashAdapter.class), backend);
                        assertThat(executor.threadNames).isNotEmpty().allSatisfy(
                                (name) -> assertThat(name).startsWith("app-engine-"));
                    });
        } finally {
            executor.pool.shutdown();
        }
    }

    @Test
    void theEnginesPoolIsNoCandidateForOtherExecutorsSoBootsTaskExecutorStays() {
        inMemory.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class)).run((context) -> {
                    assertThat(context).hasNotFailed().hasBean("applicationTaskExecutor")
                            .hasBean(DurableStashAutoConfiguration.EXECUTOR_BEAN_NAME);
                    assertThat(context.getBean(Executor.class)).isSameAs(context.getBean("applicationTaskExecutor"));
                });
    }

    @Test
    void aUserDefinedBackendOtherThanFilesystemOrMemoryNeedsASecret() {
        contextRunner.withBean(StorageBackend.class, () -> new RenamedBackend())
                .run((context) -> assertFailedOn(context, "durable-stash.secret", "durable-stash.secret"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "durable-stash.ttl=0s | durable-stash.ttl",
        "durable-stash.actor.max-live=0 | durable-stash.actor.max-live",
        "durable-stash.actor.max-live-bytes=0B | durable-stash.actor.max-live-bytes",
        "durable-stash.actor.max-live-bytes=512KB | durable-stash.actor.max-live-bytes",
        "durable-stash.actor.idle-timeout=-1s | durable-stash.actor.idle-timeout",
        "durable-stash.max-value-size=0B | durable-stash.max-value-size",
        "durable-stash.max-document-size=0B | durable-stash.max-document-size",
        "durable-stash.secret=too-short | durable-stash.secret",
        "durable-stash.previous-secrets=also-too-short | durable-stash.previous-secrets",
        "durable-stash.failure-status=200 | durable-stash.failure-status",
        "durable-stash.operation-timeout=0s | durable-stash.operation-timeout",
        "durable-stash.operation-timeout=-2s | durable-stash.operation-timeout",
        "durable-stash.cookie.max-age=-5s | durable-stash.cookie.max-age",
        "durable-stash.cookie.name= | durable-stash.cookie.name",
    })
    void invalidPropertyValuesFailStartupNamingTheProperty(String property, String name) {
        inTempDirectory().withPropertyValues(property).run((context) -> assertFailedOn(context, name, name));
    }

    @Test
    void aMaxValueSizeAboveTheMaxDocumentSizeFailsStartupNamingBoth() {
        inTempDirectory().withPropertyValues("durable-stash.max-value-size=2MB").run((context) -> assertFailedOn(context,
                "durable-stash.max-value-size", "must be at most durable-stash.max-document-size (1048576 bytes)"));
        inTempDirectory().withPropertyValues("durable-stash.max-value-size=64KB", "durable-stash.max-document-size=32KB")
                .run((context) -> assertFailedOn(context, "durable-stash.max-value-size",
                        "must be at most durable-stash.max-document-size (32768 bytes)"));
        inTempDirectory().withPropertyValues("durable-stash.max-value-size=1MB")
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void nextSecretIsTooShortOrCombinedWithPreviousSecretsFailsNamingIt() {
        inTempDirectory().withPropertyValues("durable-stash.next-secret=short")
                .run((context) -> assertFailedOn(context, "durable-stash.next-secret", "durable-stash.next-secret"));
        inTempDirectory().withPropertyValues("durable-stash.next-secret=" + SECRET, "durable-stash.previous-secrets=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.next-secret", "cannot be combined"));
    }

    @Test
    void aNextSecretOrPreviousSecretEqualToTheSecretFailsNamingIt() {
        inTempDirectory().withPropertyValues("durable-stash.secret=" + SECRET, "durable-stash.next-secret=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.next-secret", "equals durable-stash.secret"));
        inTempDirectory().withPropertyValues("durable-stash.secret=" + SECRET, "durable-stash.previous-secrets=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.previous-secrets", "contains the current secret"));
    }

    @Test
    void aNextSecretStartsARotation() {
        inTempDirectory().withPropertyValues("durable-stash.next-secret=" + SECRET)
                .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void anInvalidBucketNameFailsNamingTheBucketProperty() {
        contextRunner.withUserConfiguration(S3ClientConfiguration.class)
                .withPropertyValues("durable-stash.storage.s3.bucket=not/a/bucket", "durable-stash.secret=" + SECRET)
                .run((context) -> assertFailedOn(context, "durable-stash.storage.s3.bucket", "bucket"));
    }

    @Test
    void secretsAreNotEchoedInStartupFailures() {
        inTempDirectory().withPropertyValues("durable-stash.secret=too-short-secret-value").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context.getStartupFailure()).getMessage()).doesNotContain("too-short-secret-value");
        });
    }

    @Test
    void withoutSpringWebMvcThereAreNoMvcBeansButTheSidFilterStays() {
        inTempDirectory().withClassLoader(new FilteredClassLoader(DispatcherServlet.class)).run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(StashedViewsWebMvcConfigurer.class)
                    .doesNotHaveBean(StashExceptionResolver.class);
            assertThat(context).hasSingleBean(SidFilter.class).hasSingleBean(StashAdapter.class);
        });
    }

    @Test
    void aNonWebApplicationGetsTheEngineButNoServletBeans() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DurableStashAutoConfiguration.class,
                DurableStashServletAutoConfiguration.class, InMemoryStorageAutoConfiguration.class))
                .withPropertyValues("durable-stash.storage.type=memory").run((context) -> {
                    assertThat(context).hasSingleBean(StashAdapter.class).hasSingleBean(StashedViews.class);
                    assertThat(context).doesNotHaveBean(SidFilter.class)
                            .doesNotHaveBean(StashedViewsWebMvcConfigurer.class);
                });
    }

    @Test
    void theServletIntegrationBacksOffWithoutAnEngine() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(DurableStashServletAutoConfiguration.class))
                .run((context) -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(SidFilter.class)
                            .doesNotHaveBean(StashedViewsWebMvcConfigurer.class);
                });
    }

    @Test
    void viewMigratorBeansAreAttachedToTheirViews() {
        ViewMigrator migrator = ViewMigrator.of(MigratedView.class, (vsn, data) -> data);
        inMemory
                .withBean(ViewMigrator.class, () -> migrator).run((context) -> {
                    ViewDefinition definition = context.getBean(StashedViews.class).definitionOf(MigratedView.class);
                    assertThat(definition.name()).isEqualTo("migrated");
                    assertThat(definition.vsn()).isEqualTo(2);
                    assertThat(definition.migrator()).isSameAs(migrator);
                });
    }

    @Test
    void twoMigratorsForOneViewFailStartup() {
        inMemory
                .withBean("m1", ViewMigrator.class, () -> ViewMigrator.of("migrated", (vsn, data) -> data))
                .withBean("m2", ViewMigrator.class, () -> ViewMigrator.of("migrated", (vsn, data) -> null))
                .run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(rootCause(context.getStartupFailure())).hasMessageContaining("two ViewMigrator beans")
                            .hasMessageContaining("migrated");
                });
    }

    @Test
    void engineStatisticsArePublishedAsMicrometerMeters() {
        inMemory.run((context) -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(StashMetrics.class).bindTo(registry);
            context.getBean(StashAdapter.class).stash(SessionIds.newSid(), COUNTER, Map.of("count", 1))
                    .toCompletableFuture().join();
            assertThat(registry.get("durable.stash.stashes").tag("result", "acknowledged").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("durable.stash.storage.requests").tag("operation", "put").functionCounter().count())
                    .isEqualTo(1);
            assertThat(registry.get("durable.stash.actors.live").gauge().value()).isEqualTo(1);
        });
    }

    /**
     * Each meter name has one description, which fits every tag of it (a registry shows the first it finds, and
     * Prometheus gives a name one HELP text). Seen failing before: durable.stash.stashes described as "Stash calls
     * failed because their write failed", durable.stash.storage.requests as "PUT requests sent to storage".
     */
    @Test
    void eachMeterNameHasOneDescription() {
        inMemory.run((context) -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(StashMetrics.class).bindTo(registry);
            Map<String, Set<String>> descriptions = registry.getMeters().stream().collect(Collectors.groupingBy(
                    (meter) -> meter.getId().getName(),
                    Collectors.mapping((meter) -> meter.getId().getDescription(), Collectors.toSet())));
            assertThat(descriptions).allSatisfy((name, described) -> assertThat(described).as(name).hasSize(1));
            assertThat(descriptions.get("durable.stash.stashes")).containsExactly(
                    "Stash calls by result: accepted (every call that passed validation, not a share beside the "
                            + "others), acknowledged (written), failed (not acknowledged)");
            assertThat(descriptions.get("durable.stash.storage.requests")).containsExactly(
                    "Requests sent to storage, by operation: get, put, delete");
        });
    }

    @Test
    void withoutMicrometerThereAreNoMetrics() {
        inMemory
                .withClassLoader(new FilteredClassLoader(MeterBinder.class))
                .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(StashMetrics.class));
    }

    @Test
    void theEngineAndTheBackendAreClosedOnShutdown() {
        AtomicReference<StashAdapter> adapter = new AtomicReference<>();
        AtomicReference<FileSystemStorageBackend> backend = new AtomicReference<>();
        inTempDirectory().run((context) -> {
            adapter.set(context.getBean(StashAdapter.class));
            backend.set(context.getBean(FileSystemStorageBackend.class));
            adapter.get().recover(SessionIds.newSid(), COUNTER, MountKind.FRESH).toCompletableFuture().join();
            assertThat(adapter.get().statistics().liveActors()).isEqualTo(1);
        });
        // A retired actor counts as live until it has drained, which it does on the engine's pool.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (adapter.get().statistics().liveActors() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        assertThat(adapter.get().statistics().liveActors()).isZero();
        assertThatThrownBy(() -> backend.get().get("k", null).toCompletableFuture().join())
                .hasCauseInstanceOf(StorageException.class);
    }

    private static void assertFailedOn(AssertableApplicationContext context, String property, String messagePart) {
        assertFailed(context.getStartupFailure(), property, messagePart);
    }

    private static void assertFailedOn(AssertableWebApplicationContext context, String property, String messagePart) {
        assertFailed(context.getStartupFailure(), property, messagePart);
    }

    private static void assertFailed(Throwable failure, String property, String messagePart) {
        assertThat(failure).isNotNull();
        Throwable root = rootCause(failure);
        assertThat(root).isInstanceOf(InvalidConfigurationPropertyValueException.class);
        assertThat(((InvalidConfigurationPropertyValueException) root).getName()).isEqualTo(property);
        assertThat(root.getMessage()).contains(messagePart);
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @StashedView(name = "migrated", vsn = 2)
    static class MigratedView {
    }

    /** An application's pool: records the names of the threads its tasks ran on. */
    static final class RecordingExecutor implements Executor {

        final Set<String> threadNames = ConcurrentHashMap.newKeySet();
        final ExecutorService pool;

        RecordingExecutor(String threadNamePrefix) {
            AtomicInteger count = new AtomicInteger();
            pool = Executors.newFixedThreadPool(2, (runnable) -> {
                Thread thread = new Thread(runnable, threadNamePrefix + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        }

        @Override
        public void execute(Runnable task) {
            pool.execute(() -> {
                threadNames.add(Thread.currentThread().getName());
                task.run();
            });
        }
    }

    private WebApplicationContextRunner withHeldPuts(HeldPutsBackend backend) {
        return contextRunner.withBean(StorageBackend.class, () -> backend)
                .withPropertyValues("durable-stash.secret=auto-configuration-tests-secret-0123456789");
    }

    /**
     * An idle session's actor runs on the caller's thread, so a plain stash may never reach the pool.
     * Here the first session's write is answered late, on this thread, after a dependent action that
     * stashes to a second session was attached: that action runs inside the first session's actor,
     * and the second session's actor is handed to the engine's pool (never nested).
     */
    private static void stashNestedInAnotherSessionsActor(StashAdapter adapter, HeldPutsBackend backend) {
        CompletionStage<Void> second = adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", 1))
                .thenCompose((ignored) -> adapter.stash(SessionIds.newSid(), COUNTER, Map.of("count", 2)));
        backend.released.complete(null);
        second.toCompletableFuture().join();
    }

    /** In memory; every PUT reaches the store (and is answered) only once {@code released} is complete. */
    static final class HeldPutsBackend implements StorageBackend {

        private final InMemoryStorageBackend delegate = new InMemoryStorageBackend();
        final CompletableFuture<Void> released = new CompletableFuture<>();

        @Override
        public CompletionStage<GetResult> get(String key, @Nullable String ifNoneMatch) {
            return delegate.get(key, ifNoneMatch);
        }

        @Override
        public CompletionStage<PutResult> put(String key, byte[] body, Precondition precondition) {
            byte[] copy = body.clone();
            return released.thenCompose((ignored) -> delegate.put(key, copy, precondition));
        }

        @Override
        public CompletionStage<Boolean> delete(String key, @Nullable String ifMatch) {
            return delegate.delete(key, ifMatch);
        }
    }

    /** A backend the auto-configuration knows nothing about. */
    static final class RenamedBackend implements StorageBackend {

        private final InMemoryStorageBackend delegate = new InMemoryStorageBackend();

        @Override
        public CompletionStage<GetResult> get(String key,
                @Nullable String ifNoneMatch) {
            return delegate.get(key, ifNoneMatch);
        }

        @Override
        public CompletionStage<PutResult> put(String key, byte[] body,
                Precondition precondition) {
            return delegate.put(key, body, precondition);
        }

        @Override
        public CompletionStage<Boolean> delete(String key,
                @Nullable String ifMatch) {
            return delegate.delete(key, ifMatch);
        }
    }

    /** An application's S3 client whose calls time out below the default operation timeout (10 s). */
    @Configuration(proxyBeanMethods = false)
    static class S3ClientConfiguration {

        @Bean(destroyMethod = "close")
        S3AsyncClient s3AsyncClient() {
            return S3AsyncClient.builder().region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:1"))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("key", "secret")))
                    .overrideConfiguration((c) -> c.apiCallTimeout(Duration.ofSeconds(5))
                            .apiCallAttemptTimeout(Duration.ofSeconds(2)))
                    .forcePathStyle(true).build();
        }
    }
}

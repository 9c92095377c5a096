package dev.durablestash.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import dev.durablestash.storage.GetResult;
import dev.durablestash.storage.Precondition;
import dev.durablestash.storage.PutResult;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** docs/s3.md: with the interceptor "the connection stays open and nothing is logged", also under 64 threads. */
class RevalidationConcurrentConnectionsTests {

    @Test
    void concurrentRevalidationsOpenNoNewConnectionsAndLogNothing() throws Exception {
        S3TestServer server = S3TestServer.shared();
        String bucket = server.createBucket("reval-conc");
        Logger pipeline = (Logger) LoggerFactory.getLogger("io.netty.channel.DefaultChannelPipeline");
        Level was = pipeline.getLevel();
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        pipeline.setLevel(Level.WARN);
        pipeline.addAppender(seen);
        try (ConnectionCuttingProxy proxy = new ConnectionCuttingProxy(server.endpoint().getPort());
                S3AsyncClient client = AppClients.builder(proxy.endpoint(), RequestChecksums.WHEN_REQUIRED).build();
                S3StorageBackend backend = S3StorageBackend.builder().bucket(bucket).client(client).build()) {
            String key = "durable-stash/c";
            String etag = ((PutResult.Written) backend.put(key, "{\"v\":1}".getBytes(StandardCharsets.UTF_8),
                    Precondition.absent()).toCompletableFuture().get(20, TimeUnit.SECONDS)).etag();
            for (int round = 0; round < 5; round++) { // fill the pool with unconditional reads first
                wave(backend, key, null);
            }
            long before = proxy.connectionsAccepted();
            for (int round = 0; round < 40; round++) {
                wave(backend, key, etag);
            }
            long opened = proxy.connectionsAccepted() - before;
            assertThat(seen.list).as("netty warnings").isEmpty();
            assertThat(opened).as("connections opened by 40 waves of 64 revalidations").isLessThanOrEqualTo(4);
        } finally {
            pipeline.detachAppender(seen);
            pipeline.setLevel(was);
        }
    }

    private static void wave(S3StorageBackend backend, String key, String etag) {
        List<CompletableFuture<GetResult>> wave = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            wave.add(backend.get(key, etag).toCompletableFuture());
        }
        for (CompletableFuture<GetResult> got : wave) {
            GetResult result = got.orTimeout(30, TimeUnit.SECONDS).join();
            assertThat(result).isInstanceOf(etag == null ? GetResult.Found.class : GetResult.NotModified.class);
        }
    }
}

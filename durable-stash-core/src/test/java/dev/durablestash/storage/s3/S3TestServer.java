package dev.durablestash.storage.s3;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

import dev.durablestash.storage.s3.nio2blob.SmallBlockTransientBlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * One in-process S3 server for all S3 test classes of the JVM: S3Proxy on a random loopback port over
 * its transient in-memory store on blocks of 1 KiB ({@link SmallBlockTransientBlobStore}), keys
 * flattened by {@link FlatKeyBlobStore}, made atomic by {@link AtomicConditionalBlobStore} and
 * wrapped by {@link FaultInjectingBlobStore}; plus a {@link ConnectionCuttingProxy} in front of it for
 * lost responses. Started on first use (about a second), stopped when the JVM exits.
 *
 * <p>Tests isolate themselves by bucket: {@link #createBucket(String)} makes a fresh one, whose fault
 * switches and counters ({@link #faults(String)}) no other test touches.
 */
final class S3TestServer implements S3TestStore {

    static final String ACCESS_KEY = "durable-stash-test";
    static final String SECRET_KEY = "durable-stash-test-secret";

    private static S3TestServer shared;

    private final S3Proxy proxy;
    private final FaultInjectingBlobStore store;
    private final SmallBlockTransientBlobStore blocks = new SmallBlockTransientBlobStore();
    private final ConnectionCuttingProxy cuttingProxy;
    private final URI endpoint;
    private final S3AsyncClient client;
    private final AtomicInteger bucketCounter = new AtomicInteger();

    private S3TestServer() throws Exception {
        store = new FaultInjectingBlobStore(new AtomicConditionalBlobStore(new FlatKeyBlobStore(blocks)));
        proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        cuttingProxy = new ConnectionCuttingProxy(proxy.getPort());
        client = newClient(endpoint);
    }

    /** @return the shared server, started on first call */
    static synchronized S3TestServer shared() {
        if (shared == null) {
            try {
                shared = new S3TestServer();
            } catch (Exception e) {
                throw new IllegalStateException("could not start the test S3 server", e);
            }
            S3TestServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "s3-test-server-stop"));
        }
        return shared;
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    /** @return the proxy that can cut responses off; its endpoint leads to the same server */
    ConnectionCuttingProxy cuttingProxy() {
        return cuttingProxy;
    }

    @Override
    public S3AsyncClient client() {
        return client;
    }

    @Override
    public String createBucket(String name) {
        String bucket = name + "-" + bucketCounter.incrementAndGet();
        client.createBucket(b -> b.bucket(bucket)).join();
        return bucket;
    }

    /** @return the bytes of the store's blocks that hold objects now, in every bucket */
    long storedBytes() {
        return blocks.allocatedBytes();
    }

    /**
     * @param bucket a bucket
     * @return its fault switches and operation counters
     */
    BucketFaults faults(String bucket) {
        return store.faults(bucket);
    }

    /**
     * @param bucket a bucket
     * @return a backend on the shared client
     */
    S3StorageBackend backend(String bucket) {
        return S3StorageBackend.builder().client(client).bucket(bucket).build();
    }

    @Override
    public S3StorageBackend.Builder backendBuilder(String bucket) {
        return backendBuilder(bucket, endpoint);
    }

    /**
     * @param bucket a bucket
     * @param endpoint the endpoint (the server's, or the cutting proxy's)
     * @return a builder on a client configured as an application would configure one (shared, see
     *     {@link AppClients})
     */
    static S3StorageBackend.Builder backendBuilder(String bucket, URI endpoint) {
        return S3StorageBackend.builder().bucket(bucket).client(AppClients.of(endpoint));
    }

    /**
     * @param endpoint the endpoint
     * @return a new raw SDK client for this server; the caller closes it
     */
    static S3AsyncClient newClient(URI endpoint) {
        return S3AsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .serviceConfiguration(S3Configuration.builder()
                        .pathStyleAccessEnabled(true)
                        .chunkedEncodingEnabled(false)
                        .expectContinueEnabled(false)
                        .build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().maxConcurrency(64))
                .build();
    }

    private void stop() {
        try {
            client.close();
            cuttingProxy.close();
            proxy.stop();
        } catch (Exception e) {
            // the JVM is exiting
        }
    }
}

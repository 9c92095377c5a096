package dev.durablestash.storage.s3;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * A throwaway one-node Ceph cluster with a RADOS Gateway, on loopback, from the Ceph binaries of the
 * machine (Debian's {@code ceph-mon}, {@code ceph-osd}, {@code radosgw}, {@code ceph-common}): one
 * monitor, one OSD on the in-memory object store, one gateway; no authentication, pools of size 1.
 * Every file (configuration, data, sockets, pid files, logs) lives in one temporary directory, removed
 * by {@link #close()}. Started by {@link CephRgwExtension}, once per test run.
 *
 * <p>The gateway has a user with the same access key and secret as {@link S3TestServer}, so the same
 * client and backend settings work against both.
 */
final class CephRgw implements S3TestStore, AutoCloseable {

    /** The binaries a cluster needs; without them the Ceph tests are skipped. */
    static final List<String> BINARIES = List.of("ceph-mon", "ceph-osd", "radosgw", "ceph", "radosgw-admin",
            "monmaptool", "ceph-authtool");

    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final Path conf;
    private final List<Process> daemons = new ArrayList<>();
    private final AtomicInteger bucketCounter = new AtomicInteger();
    private URI endpoint;
    private S3AsyncClient client;

    private CephRgw(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("ceph.conf");
    }

    /**
     * @return whether every binary in {@link #BINARIES} is on the {@code PATH} (or on the path in the
     *     system property {@code ceph.path}, e.g. {@code -Dceph.path=/nowhere} to see the tests skip)
     */
    static boolean binariesPresent() {
        return BINARIES.stream().allMatch(CephRgw::onPath);
    }

    private static boolean onPath(String binary) {
        String path = System.getProperty("ceph.path", System.getenv("PATH"));
        if (path == null) {
            return false;
        }
        for (String entry : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, binary))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts a cluster and waits until its gateway answers and has the test user.
     *
     * @return the running cluster
     * @throws IllegalStateException when a step fails or takes longer than its bound; the error names
     *     the step and ends with the log of the daemon concerned
     */
    static CephRgw start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("durable-stash-ceph-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CephRgw rgw = new CephRgw(dir);
        try {
            rgw.boot();
            return rgw;
        } catch (RuntimeException | Error e) {
            rgw.close();
            throw e;
        }
    }

    private void boot() {
        int monPort = freePort();
        int rgwPort = freePort();
        String fsid = UUID.randomUUID().toString();
        String mon = "[v2:127.0.0.1:" + monPort + "]";
        write(conf, String.join("\n",
                "[global]",
                "fsid = " + fsid,
                "mon_host = " + mon,
                "mon_initial_members = a",
                "public_addr = 127.0.0.1",
                "cluster_addr = 127.0.0.1",
                "ms_bind_ipv6 = false",
                "ms_bind_msgr1 = false",
                "auth_cluster_required = none",
                "auth_service_required = none",
                "auth_client_required = none",
                "ms_mon_client_mode = crc",
                "ms_mon_service_mode = crc",
                "ms_mon_cluster_mode = crc",
                "ms_client_mode = crc",
                "ms_service_mode = crc",
                "ms_cluster_mode = crc",
                "auth_allow_insecure_global_id_reclaim = true",
                "osd_pool_default_size = 1",
                "osd_pool_default_min_size = 1",
                "mon_allow_pool_size_one = true",
                "osd_crush_chooseleaf_type = 0",
                "osd_pool_default_pg_num = 8",
                "osd_pool_default_pgp_num = 8",
                "osd_pool_default_pg_autoscale_mode = off",
                "mon_max_pg_per_osd = 1000",
                "osd_objectstore = memstore",
                "memstore_device_bytes = 2147483648",
                "osd_memory_target = 1073741824",
                "run_dir = " + dir.resolve("run"),
                "admin_socket = " + dir.resolve("run") + "/$name.asok",
                "pid_file = " + dir.resolve("run") + "/$name.pid",
                "log_file = " + dir.resolve("log") + "/$name.log",
                "keyring = " + dir.resolve("keyring"),
                "mon_data = " + dir.resolve("mon") + "/$name",
                "osd_data = " + dir.resolve("osd") + "/$name",
                "rgw_data = " + dir.resolve("rgw") + "/$name",
                "",
                "[client.rgw]",
                "rgw_frontends = beast endpoint=127.0.0.1:" + rgwPort,
                ""));
        for (String sub : List.of("run", "log", "mon", "osd/osd.0", "rgw")) {
            mkdirs(dir.resolve(sub));
        }
        run("ceph-authtool", "--create-keyring", dir.resolve("keyring").toString(), "--gen-key", "-n", "mon.",
                "--cap", "mon", "allow *");
        run("monmaptool", "--create", "--fsid", fsid, "--addv", "a", mon, dir.resolve("monmap").toString());
        run("ceph-mon", "-c", conf.toString(), "--mkfs", "-i", "a", "--monmap", dir.resolve("monmap").toString(),
                "--keyring", dir.resolve("keyring").toString());
        daemon("mon.a", "ceph-mon", "-f", "-c", conf.toString(), "-i", "a");
        String id = run("ceph", "-c", conf.toString(), "--connect-timeout", "60", "osd", "create").strip();
        if (!"0".equals(id)) {
            throw new IllegalStateException("ceph osd create answered '" + id + "', expected 0");
        }
        run("ceph-osd", "-c", conf.toString(), "--mkfs", "-i", "0");
        daemon("osd.0", "ceph-osd", "-f", "-c", conf.toString(), "-i", "0");
        await("the OSD to be up", "osd.0",
                () -> run("ceph", "-c", conf.toString(), "osd", "stat").contains("1 up"));
        daemon("client.rgw", "radosgw", "-f", "-c", conf.toString(), "-n", "client.rgw");
        URI gateway = URI.create("http://127.0.0.1:" + rgwPort);
        await("the gateway to answer", "client.rgw", () -> answers(gateway));
        run("radosgw-admin", "-c", conf.toString(), "user", "create", "--uid=durable-stash-test",
                "--display-name=durable-stash-test", "--access-key=" + S3TestServer.ACCESS_KEY,
                "--secret=" + S3TestServer.SECRET_KEY);
        endpoint = gateway;
        client = S3TestServer.newClient(gateway);
    }

    @Override
    public URI endpoint() {
        return endpoint;
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

    @Override
    public S3StorageBackend.Builder backendBuilder(String bucket) {
        return S3TestServer.backendBuilder(bucket, endpoint);
    }

    /** Stops the daemons (gateway first) and removes the directory. Idempotent. */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        for (int i = daemons.size() - 1; i >= 0; i--) {
            Process process = daemons.get(i);
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        daemons.clear();
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a temporary directory
            }
        }
    }

    // ------------------------------------------------------------------------------------------------

    private void daemon(String name, String... command) {
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile())
                    .start();
            daemons.add(process);
        } catch (IOException e) {
            throw new IllegalStateException("could not start " + command[0], e);
        }
    }

    /** Runs a command to completion within {@link #STEP_TIMEOUT}. @return its output */
    private String run(String... command) {
        try {
            Path out = Files.createTempFile(dir, "cmd-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!process.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + STEP_TIMEOUT
                        + ": " + Files.readString(out));
            }
            String output = Files.readString(out);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue()
                        + ": " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    interface Check {
        boolean passes() throws Exception;
    }

    private void await(String what, String daemon, Check check) {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            for (Process process : daemons) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("a Ceph daemon exited (" + process.exitValue() + ") while waiting for "
                            + what + "; log of " + daemon + ":\n" + logTail(daemon));
                }
            }
            try {
                if (check.passes()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        IllegalStateException timeout = new IllegalStateException("timed out after " + STEP_TIMEOUT + " waiting for "
                + what + "; log of " + daemon + ":\n" + logTail(daemon));
        if (last != null) {
            timeout.addSuppressed(last);
        }
        throw timeout;
    }

    private String logTail(String daemon) {
        StringBuilder text = new StringBuilder();
        for (Path log : List.of(dir.resolve("log").resolve(daemon + ".log"), dir.resolve("log").resolve(daemon + ".out"))) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(l -> text.append(l).append('\n'));
            } catch (IOException e) {
                // no such log
            }
        }
        return text.toString();
    }

    private static boolean answers(URI gateway) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) gateway.toURL().openConnection();
        connection.setConnectTimeout(1_000);
        connection.setReadTimeout(2_000);
        try {
            return connection.getResponseCode() == 200;
        } finally {
            connection.disconnect();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void mkdirs(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

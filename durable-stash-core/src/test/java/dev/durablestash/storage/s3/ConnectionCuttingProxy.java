package dev.durablestash.storage.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback TCP proxy in front of the test S3 server that can lose responses: with a given
 * probability it closes the connection at the moment the server starts answering a request, after the
 * server has processed it (for a PUT: after the write was applied), so the client sees a broken
 * connection instead of the answer. Interim {@code 100 Continue} answers are passed through, so a cut
 * always comes after the request body was sent.
 *
 * <p>Design: two platform threads per connection copy bytes each way (test-only, connections are
 * few). The upstream-to-client copier treats the first bytes after client bytes were forwarded as the
 * start of a response (HTTP/1.1 without pipelining, as the SDK sends it) and rolls the dice there.
 */
final class ConnectionCuttingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final LongAdder cuts = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final AtomicInteger cutNext = new AtomicInteger();
    private final Queue<String> recordedRequests = new ConcurrentLinkedQueue<>();
    private volatile boolean recording;
    private volatile boolean dropIfMatch;
    private volatile double cutFraction;
    private volatile boolean closed;

    ConnectionCuttingProxy(int upstreamPort) throws IOException {
        this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "cutting-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return the proxy's endpoint, to give clients instead of the server's */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** @param fraction the fraction of responses to cut off (0 to pass everything) */
    void cutFraction(double fraction) {
        this.cutFraction = fraction;
    }

    /** @param count the number of responses to cut off next, whatever the fraction */
    void cutNext(int count) {
        cutNext.set(count);
    }

    /**
     * @param on whether to record the head (request line and headers) of each request from now on;
     *     turning it on clears earlier recordings
     */
    void recordRequests(boolean on) {
        if (on) {
            recordedRequests.clear();
        }
        recording = on;
    }

    /** @return the recorded request heads, oldest first */
    List<String> recordedRequests() {
        return List.copyOf(recordedRequests);
    }

    /**
     * @param on whether to hide every request's {@code If-Match} header from the server from now on (it
     *     is renamed, keeping the request's length), playing a store that ignores {@code If-Match}. Only
     *     for a server that does not check signatures.
     */
    void dropIfMatch(boolean on) {
        dropIfMatch = on;
    }

    /** @return connections clients opened to the proxy so far */
    long connectionsAccepted() {
        return accepted.sum();
    }

    /** @return responses cut off so far */
    long cuts() {
        return cuts.sum();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                accepted.increment();
                Socket server = new Socket();
                server.connect(upstream, 2_000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                open.add(client);
                open.add(server);
                AtomicBoolean requestPending = new AtomicBoolean();
                start(() -> pump(client, server, requestPending, false), "cutting-proxy-up");
                start(() -> pump(server, client, requestPending, true), "cutting-proxy-down");
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicBoolean requestPending, boolean responses) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (!responses) {
                    if (!requestPending.getAndSet(true) && recording) {
                        recordedRequests.add(head(buffer, n));
                    }
                    if (dropIfMatch) {
                        renameIfMatch(buffer, n);
                    }
                } else if (requestPending.getAndSet(false) && !isContinue(buffer, n) && shouldCut()) {
                    cuts.increment();
                    break;
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private boolean shouldCut() {
        if (cutNext.getAndUpdate(n -> Math.max(n - 1, 0)) > 0) {
            return true;
        }
        return ThreadLocalRandom.current().nextDouble() < cutFraction;
    }

    private static String head(byte[] buffer, int n) {
        String text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        return end >= 0 ? text.substring(0, end) : text;
    }

    /** Renames {@code If-Match:} headers to {@code X-Ignore:} (as long) in the request head in the buffer. */
    private static void renameIfMatch(byte[] buffer, int n) {
        String text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String lower = (end >= 0 ? text.substring(0, end) : text).toLowerCase(java.util.Locale.ROOT);
        for (int at = lower.indexOf("\r\nif-match:"); at >= 0; at = lower.indexOf("\r\nif-match:", at + 2)) {
            byte[] renamed = "\r\nx-ignore:".getBytes(StandardCharsets.ISO_8859_1);
            System.arraycopy(renamed, 0, buffer, at, renamed.length);
        }
    }

    private static boolean isContinue(byte[] buffer, int n) {
        String head = new String(buffer, 0, Math.min(n, 16), StandardCharsets.US_ASCII);
        return head.startsWith("HTTP/1.1 100");
    }

    private void start(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }
}

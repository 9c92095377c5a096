package dev.durablestash.sample.counter;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a store that stalls.
 * Nothing is read or written on the accepted connections; they are held open until the server
 * stops.
 *
 * <p>Bounded: it accepts at most {@code maxConnections} connections (later ones wait in the
 * listen backlog, unanswered too) and stops by itself after {@code lifetime}, closing everything;
 * {@link #close()} stops it earlier. One daemon thread. Thread-safe.
 */
final class UnansweringServer implements AutoCloseable {

    private final ServerSocket listener;
    private final int maxConnections;
    private final long stopAtNanos;
    private final List<Socket> accepted = new ArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean stopped;

    private UnansweringServer(int maxConnections, Duration lifetime) throws IOException {
        this.maxConnections = maxConnections;
        this.stopAtNanos = System.nanoTime() + lifetime.toNanos();
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), maxConnections);
        listener.setSoTimeout(100);
        this.acceptor = new Thread(this::acceptUntilStopped, "unanswering-server");
        acceptor.setDaemon(true);
    }

    /**
     * @param maxConnections how many connections are accepted at most
     * @param lifetime after this the server stops by itself
     * @return a running server on a free loopback port
     */
    static UnansweringServer start(int maxConnections, Duration lifetime) throws IOException {
        UnansweringServer server = new UnansweringServer(maxConnections, lifetime);
        server.acceptor.start();
        return server;
    }

    /** @return {@code http://127.0.0.1:PORT} */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** @return how many connections were accepted so far */
    int connections() {
        return connections.get();
    }

    private void acceptUntilStopped() {
        try {
            while (!stopped && System.nanoTime() < stopAtNanos && connections.get() < maxConnections) {
                try {
                    Socket socket = listener.accept();
                    synchronized (accepted) {
                        accepted.add(socket);
                    }
                    connections.incrementAndGet();
                } catch (SocketTimeoutException e) {
                    // look at the stop conditions again
                }
            }
            while (!stopped && System.nanoTime() < stopAtNanos) {
                Thread.sleep(100); // the limit is reached: hold what was accepted until the lifetime ends
            }
        } catch (IOException | InterruptedException e) {
            // closed, or interrupted: stop
        } finally {
            stop();
        }
    }

    private void stop() {
        stopped = true;
        try {
            listener.close();
        } catch (IOException e) {
            // nothing more to do
        }
        synchronized (accepted) {
            for (Socket socket : accepted) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // nothing more to do
                }
            }
            accepted.clear();
        }
    }

    @Override
    public void close() {
        stop();
        acceptor.interrupt();
        try {
            acceptor.join(Duration.ofSeconds(5).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

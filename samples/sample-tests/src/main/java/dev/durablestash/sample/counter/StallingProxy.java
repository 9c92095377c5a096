package dev.durablestash.sample.counter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 in front of a server (the S3 test server) that can be made to stall: while
 * {@link #stall() stalled} it accepts connections and never answers, and holds whatever arrives on
 * connections that were open before; {@link #resume()} closes every connection the stall touched,
 * without forwarding what they held, and forwards new connections again. So a store that stops
 * answering and later answers again, with nothing sent during the stall reaching it.
 *
 * <p>One thread accepts, two threads per connection copy bytes. Thread-safe.
 */
final class StallingProxy implements AutoCloseable {

    private final int targetPort;
    private final ServerSocket listener;
    private final Thread acceptor;
    private final Object lock = new Object();
    private final List<Socket> open = new ArrayList<>();
    private final List<Socket> touched = new ArrayList<>();
    private final AtomicInteger stalledConnections = new AtomicInteger();
    private boolean stalled;
    private volatile boolean closed;

    private StallingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        this.acceptor = new Thread(this::acceptUntilClosed, "stalling-proxy");
        acceptor.setDaemon(true);
    }

    /** @return a running proxy on a free loopback port that forwards to {@code 127.0.0.1:targetPort} */
    static StallingProxy start(int targetPort) throws IOException {
        StallingProxy proxy = new StallingProxy(targetPort);
        proxy.acceptor.start();
        return proxy;
    }

    /** @return {@code http://127.0.0.1:PORT} of the proxy */
    URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** From now on nothing is answered: open connections hold what arrives, new ones are accepted and held. */
    void stall() {
        synchronized (lock) {
            stalled = true;
            touched.addAll(open);
        }
    }

    /** Closes every connection the stall touched (dropping what they held) and forwards new connections again. */
    void resume() {
        synchronized (lock) {
            stalled = false;
            for (Socket socket : touched) {
                closeQuietly(socket);
            }
            open.removeAll(touched);
            touched.clear();
            lock.notifyAll();
        }
    }

    /** @return how many connections were accepted and held unanswered while stalled */
    int stalledConnections() {
        return stalledConnections.get();
    }

    private void acceptUntilClosed() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            synchronized (lock) {
                if (stalled) {
                    stalledConnections.incrementAndGet();
                    touched.add(client); // held: nothing read, nothing answered, closed on resume
                    continue;
                }
                open.add(client);
            }
            try {
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (lock) {
                    open.add(upstream);
                }
                pump(client, upstream, "stalling-proxy-up");
                pump(upstream, client, "stalling-proxy-down");
            } catch (IOException e) {
                closeQuietly(client); // the server is not there: the client sees its connection closed
            }
        }
    }

    private void pump(Socket from, Socket to, String name) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (!awaitForwarding(from)) {
                        break;
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // closed on either side
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                synchronized (lock) {
                    open.remove(from);
                    open.remove(to);
                }
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** @return whether the bytes just read may be forwarded: not while stalled, and never once a stall touched them */
    private boolean awaitForwarding(Socket from) {
        synchronized (lock) {
            while (stalled && !closed) {
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return !closed && !from.isClosed();
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // nothing more to do
        }
        synchronized (lock) {
            open.forEach(StallingProxy::closeQuietly);
            touched.forEach(StallingProxy::closeQuietly);
            open.clear();
            touched.clear();
            lock.notifyAll();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

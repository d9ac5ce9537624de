package dev.specula.netem;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy that forwards every accepted connection to one target through an emulated link: each direction
 * delays every byte by {@link LinkProfile#oneWayDelay()} and optionally caps bandwidth. The link can be cut (both
 * peers see a reset) or black-holed (a partition: nothing moves, nobody is told, until it heals). Threads are
 * daemons named {@code netem-<port>-...}; {@link #close()} stops all of them.
 */
public final class DelayProxy implements AutoCloseable {

    /** Per direction and connection; beyond it the proxy stops reading from that side until the line drains. */
    public static final long DEFAULT_MAX_QUEUED_BYTES = 64L << 20;
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final String threadPrefix;
    private final ProxiedConnection.Wiring wiring;
    private final Gate gate = new Gate();
    private final Set<ProxiedConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong cuts = new AtomicLong();
    private final AtomicLong bytesUpstream = new AtomicLong();
    private final AtomicLong bytesDownstream = new AtomicLong();
    private final Thread acceptor;
    private volatile LinkProfile profile;
    private volatile boolean closed;

    /** Listens on an ephemeral loopback port. */
    public DelayProxy(String targetHost, int targetPort, LinkProfile profile) throws IOException {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new InetSocketAddress(targetHost, targetPort),
                profile, DEFAULT_MAX_QUEUED_BYTES);
    }

    public DelayProxy(InetSocketAddress listen, InetSocketAddress target, LinkProfile profile,
                      long maxQueuedBytesPerDirection) throws IOException {
        this.target = Objects.requireNonNull(target, "target");
        this.profile = Objects.requireNonNull(profile, "profile");
        if (maxQueuedBytesPerDirection <= 0) {
            throw new IllegalArgumentException("maxQueuedBytesPerDirection must be > 0");
        }
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(listen);
        this.threadPrefix = "netem-" + server.getLocalPort();
        this.wiring = new ProxiedConnection.Wiring(target, CONNECT_TIMEOUT_MILLIS, maxQueuedBytesPerDirection,
                () -> this.profile, gate, bytesUpstream, bytesDownstream, connections::remove);
        this.acceptor = new Thread(this::acceptLoop, threadPrefix + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        long nextId = 0;
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (closed || server.isClosed()) {
                    return;
                }
                // E.g. out of file descriptors: back off instead of spinning on the same error.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                continue;
            }
            connectionsAccepted.incrementAndGet();
            ProxiedConnection connection = new ProxiedConnection(threadPrefix + "-c" + nextId++, client, wiring);
            connections.add(connection);
            // close() sets the flag before it snapshots the set, so either it sees this connection or we see the flag.
            if (closed) {
                connection.abort();
                return;
            }
            connection.start();
        }
    }

    /** The port the proxy listens on; connect here instead of to the target. */
    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress target() {
        return target;
    }

    public LinkProfile profile() {
        return profile;
    }

    /** Applies to bytes read from now on; bytes already in flight keep the delay they were sent with. */
    public void setProfile(LinkProfile profile) {
        this.profile = Objects.requireNonNull(profile, "profile");
    }

    /**
     * Resets every open connection (both sockets, so both peers see a reset or EOF) and drops bytes in flight;
     * the proxy keeps listening, so clients can reconnect.
     *
     * @return how many connections were cut
     */
    public int cutConnections() {
        cuts.incrementAndGet();
        List<ProxiedConnection> open = List.copyOf(connections);
        open.forEach(ProxiedConnection::abort);
        return open.size();
    }

    /**
     * Partitions the link without telling either side, as a dropped route or a dead peer would: open connections
     * stay open but forward nothing in either direction (bytes already read are held, and once the per-direction
     * cap is queued the proxy stops reading, so senders see their TCP window close), and new connections are
     * accepted but not connected to the target. Only deadlines, keepalives or a {@link #cutConnections() cut} end
     * them. {@link #heal()} delivers everything held, in order, as TCP retransmission would.
     */
    public void blackHole() {
        gate.shut();
    }

    /** Ends a {@link #blackHole()}: held bytes and connections go through, and the link is normal again. */
    public void heal() {
        gate.open();
    }

    public boolean blackHoled() {
        return !gate.isOpen();
    }

    /** How many times {@link #cutConnections()} was called. */
    public long cuts() {
        return cuts.get();
    }

    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    public int openConnections() {
        return connections.size();
    }

    /** Bytes written to the target (client to target), over all connections. */
    public long bytesUpstream() {
        return bytesUpstream.get();
    }

    /** Bytes written to clients (target to client), over all connections. */
    public long bytesDownstream() {
        return bytesDownstream.get();
    }

    /** Bytes read from clients and not yet written to the target. */
    public long bytesQueuedUpstream() {
        return connections.stream().mapToLong(c -> c.queuedBytes(true)).sum();
    }

    /** Bytes read from the target and not yet written to clients. */
    public long bytesQueuedDownstream() {
        return connections.stream().mapToLong(c -> c.queuedBytes(false)).sum();
    }

    /** Stops listening, resets all connections and waits (bounded) for every proxy thread to exit. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // The listener is gone either way; nothing else to release.
        }
        List<ProxiedConnection> open = List.copyOf(connections);
        open.forEach(ProxiedConnection::abort);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        try {
            acceptor.join(Math.max(1, CLOSE_TIMEOUT.toMillis()));
            for (ProxiedConnection connection : open) {
                connection.join(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return threadPrefix + " -> " + target + " " + profile;
    }
}

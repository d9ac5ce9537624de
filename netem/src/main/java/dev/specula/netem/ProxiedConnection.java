package dev.specula.netem;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One client connection and its connection to the target, with a pipe per direction and a thread per loop.
 * Ends cleanly when both directions have delivered their end of stream, or abruptly (reset) on an I/O error,
 * a cut or the proxy closing.
 */
final class ProxiedConnection implements Pipe.Listener {

    /** What the connection needs from its proxy. */
    record Wiring(InetSocketAddress target, int connectTimeoutMillis, long capBytes, Supplier<LinkProfile> profile,
                  Gate gate, AtomicLong bytesUpstream, AtomicLong bytesDownstream,
                  Consumer<ProxiedConnection> onEnd) {
    }

    private final String name;
    private final Socket client;
    // Created unconnected up front so that closing it also aborts a connect that is still in progress.
    private final Socket target = new Socket();
    private final Wiring wiring;
    private final List<Thread> threads = new ArrayList<>();
    private Pipe upstream;
    private Pipe downstream;
    private int finishedPipes;
    private boolean closed;

    ProxiedConnection(String name, Socket client, Wiring wiring) {
        this.name = name;
        this.client = client;
        this.wiring = wiring;
    }

    /** Connects to the target on the connection's own thread, so a slow target never stalls the acceptor. */
    void start() {
        startThread("up-read", this::connectAndPump);
    }

    private void connectAndPump() {
        Pipe up;
        try {
            client.setTcpNoDelay(true);
            target.setTcpNoDelay(true);
            InetSocketAddress address = wiring.target();
            if (address.isUnresolved()) {
                address = new InetSocketAddress(address.getHostString(), address.getPort());
            }
            // Black-holed: the client's connection is accepted, but nothing reaches the target until the heal.
            wiring.gate().awaitOpen();
            target.connect(address, wiring.connectTimeoutMillis());
            synchronized (this) {
                if (closed) {
                    return;
                }
                upstream = new Pipe(client, target, wiring.capBytes(), wiring.profile(), wiring.gate(),
                        wiring.bytesUpstream(), this);
                downstream = new Pipe(target, client, wiring.capBytes(), wiring.profile(), wiring.gate(),
                        wiring.bytesDownstream(), this);
                up = upstream;
                Pipe down = downstream;
                startThread("up-write", up::writeLoop);
                startThread("down-read", down::readLoop);
                startThread("down-write", down::writeLoop);
            }
        } catch (IOException e) {
            abort();
            return;
        } catch (InterruptedException e) {
            abort(); // cut or closed while black-holed
            return;
        }
        up.readLoop();
    }

    private synchronized void startThread(String role, Runnable body) {
        if (closed) {
            return;
        }
        Thread thread = new Thread(body, name + "-" + role);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    @Override
    public void finished(Pipe pipe) {
        boolean both;
        synchronized (this) {
            both = ++finishedPipes == 2;
        }
        if (both) {
            end(false);
        }
    }

    @Override
    public void failed(Pipe pipe, IOException error) {
        abort();
    }

    /** Resets both sockets: both peers see a reset or EOF at once, whatever is still queued is dropped. */
    void abort() {
        end(true);
    }

    private void end(boolean reset) {
        List<Thread> toStop;
        List<Pipe> pipes = new ArrayList<>(2);
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = List.copyOf(threads);
            if (upstream != null) {
                pipes.add(upstream);
                pipes.add(downstream);
            }
        }
        pipes.forEach(Pipe::close);
        closeSocket(client, reset);
        closeSocket(target, reset);
        Thread self = Thread.currentThread();
        for (Thread thread : toStop) {
            if (thread != self) {
                thread.interrupt();
            }
        }
        wiring.onEnd().accept(this);
    }

    private static void closeSocket(Socket socket, boolean reset) {
        try {
            if (reset && !socket.isClosed()) {
                // Linger 0 makes close() send RST instead of FIN: an abrupt cut, not an orderly goodbye.
                socket.setSoLinger(true, 0);
            }
        } catch (IOException ignored) {
            // Not connected yet or already reset: a plain close is all that is left to do.
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort; the peer sees the connection end either way.
        }
    }

    /** Waits for the connection's threads to exit; false if some are still alive at the deadline. */
    boolean join(long deadlineNanos) throws InterruptedException {
        List<Thread> snapshot;
        synchronized (this) {
            snapshot = List.copyOf(threads);
        }
        for (Thread thread : snapshot) {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remainingMillis > 0) { // join(0) would wait forever
                thread.join(remainingMillis);
            }
        }
        return snapshot.stream().noneMatch(Thread::isAlive);
    }

    synchronized long queuedBytes(boolean up) {
        Pipe pipe = up ? upstream : downstream;
        return pipe == null ? 0 : pipe.queuedBytes();
    }

    @Override
    public String toString() {
        return name;
    }
}

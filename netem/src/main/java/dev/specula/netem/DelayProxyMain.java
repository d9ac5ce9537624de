package dev.specula.netem;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link DelayProxy} from a shell until killed:
 * {@code --listen [HOST:]PORT --target HOST:PORT --delay-ms N [--bytes-per-second N]}.
 * The listen host defaults to loopback, so the emulated link is not exposed by accident.
 */
public final class DelayProxyMain {

    /** Parsed command line. */
    record Options(InetSocketAddress listen, InetSocketAddress target, LinkProfile profile) {
    }

    private static final String USAGE =
            "usage: DelayProxyMain --listen [HOST:]PORT --target HOST:PORT --delay-ms N [--bytes-per-second N]";

    private DelayProxyMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        DelayProxy proxy = new DelayProxy(options.listen(), options.target(), options.profile(),
                DelayProxy.DEFAULT_MAX_QUEUED_BYTES);
        // Proxy threads are daemons, so the shutdown hook is where the totals get reported on Ctrl-C / SIGTERM.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            System.err.printf("netem: %d connections, %d cuts, %d bytes upstream, %d bytes downstream%n",
                    proxy.connectionsAccepted(), proxy.cuts(), proxy.bytesUpstream(), proxy.bytesDownstream());
        }, "netem-shutdown"));
        LinkProfile profile = options.profile();
        System.err.printf("netem: listening on %s:%d -> %s:%d, one-way delay %d ms, %s%n",
                options.listen().getHostString(), proxy.port(), options.target().getHostString(),
                options.target().getPort(), profile.oneWayDelay().toMillis(),
                profile.bandwidthLimited() ? profile.bytesPerSecond() + " bytes/s per direction" : "unlimited bandwidth");
        new CountDownLatch(1).await();
    }

    static Options parse(String[] args) {
        InetSocketAddress listen = null;
        InetSocketAddress target = null;
        Long delayMs = null;
        long bytesPerSecond = 0;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--listen" -> listen = value.contains(":")
                        ? hostPort(value, true)
                        : new InetSocketAddress(InetAddress.getLoopbackAddress(), port(value));
                // Resolved per connection by the proxy: a name that does not resolve yet is no start error.
                case "--target" -> target = hostPort(value, false);
                case "--delay-ms" -> delayMs = number(flag, value);
                case "--bytes-per-second" -> bytesPerSecond = number(flag, value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        if (listen == null || target == null || delayMs == null) {
            throw new IllegalArgumentException("--listen, --target and --delay-ms are required");
        }
        return new Options(listen, target, new LinkProfile(Duration.ofMillis(delayMs), bytesPerSecond));
    }

    private static InetSocketAddress hostPort(String value, boolean resolve) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + value);
        }
        String host = value.substring(0, colon);
        int port = port(value.substring(colon + 1));
        return resolve ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port);
    }

    private static int port(String value) {
        long port = number("port", value);
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port out of range: " + value);
        }
        return (int) port;
    }

    private static long number(String what, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new IllegalArgumentException(what + " must not be negative: " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is not a number: " + value);
        }
    }
}

package dev.specula.verifier.grpc;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.grpc.server.lifecycle.GrpcServerShutdownEvent;
import org.springframework.stereotype.Component;

/**
 * The last step of a graceful stop (RELIABILITY.md #7): sessions and target-only Generate streams still open near
 * the end of the gRPC server's grace period ({@code spring.grpc.server.shutdown.grace-period}) are ended with
 * UNAVAILABLE {@value #STATUS_DESCRIPTION}, and their KV is freed (offloaded first when a store is configured),
 * instead of being cut by the server's {@code shutdownNow}. A client (the drafter, the router, the edge client)
 * then knows it may resume on another verifier, and the cache keeps its blocks.
 *
 * <p>They are ended {@code min(5 s, grace / 5)} before the grace period runs out, which leaves time to offload and
 * send the status; with a grace period of 0 at once, with a negative one (wait for ever) never.
 */
@Component
public class SessionShutdown implements ApplicationListener<GrpcServerShutdownEvent> {
    static final String STATUS_DESCRIPTION = "verifier shutting down: resume the session on another verifier";
    private static final Logger log = LoggerFactory.getLogger(SessionShutdown.class);
    private static final String GRACE_PERIOD = "spring.grpc.server.shutdown.grace-period";
    private static final Duration MAX_MARGIN = Duration.ofSeconds(5);

    private final Set<OpenStream> open = ConcurrentHashMap.newKeySet();
    /** When to end the open sessions after the server starts shutting down; null = never. */
    private final Duration endAfter;

    @Autowired
    public SessionShutdown(Environment environment) {
        this(environment.getProperty(GRACE_PERIOD, Duration.class, Duration.ofSeconds(30)));
    }

    SessionShutdown(Duration gracePeriod) {
        if (gracePeriod.isNegative()) {
            endAfter = null;
        } else {
            Duration fifth = gracePeriod.dividedBy(5);
            endAfter = gracePeriod.minus(fifth.compareTo(MAX_MARGIN) < 0 ? fifth : MAX_MARGIN);
        }
    }

    void opened(OpenStream stream) {
        open.add(stream);
    }

    void ended(OpenStream stream) {
        open.remove(stream);
    }

    /** Sessions and Generate streams not ended yet. */
    int openStreams() {
        return open.size();
    }

    /** The server stopped taking calls and waits for the open ones: end the sessions left shortly before it cuts. */
    @Override
    public void onApplicationEvent(GrpcServerShutdownEvent event) {
        if (endAfter == null) {
            return;
        }
        CompletableFuture.runAsync(this::endAll, CompletableFuture.delayedExecutor(endAfter.toMillis(),
                TimeUnit.MILLISECONDS, task -> {
                    Thread thread = new Thread(task, "verifier-session-shutdown");
                    thread.setDaemon(true);
                    thread.start();
                }));
    }

    /**
     * Ends every open stream cleanly: a session waits for a round it is verifying to finish first; a Generate
     * stream ends at its next chunk, on its own thread.
     */
    void endAll() {
        List<OpenStream> left = List.copyOf(open);
        if (!left.isEmpty()) {
            log.info("ending {} open stream(s): the shutdown grace period is running out", left.size());
        }
        for (OpenStream stream : left) {
            try {
                stream.endForShutdown(STATUS_DESCRIPTION);
            } catch (RuntimeException e) {
                log.warn("could not end a stream cleanly at shutdown", e);
            }
        }
    }
}

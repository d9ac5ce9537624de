package dev.specula.kvstore.tier.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Lettuce connection to Redis behind a circuit breaker, with a deadline on every call.
 *
 * <p>Each call first asks the breaker: while it is open, calls fail at once, so an unreachable Redis costs a miss
 * and no wait. Otherwise the call waits for the reply at most its own timeout (including the time to connect, if
 * there is no connection yet), and the outcome is recorded. A connection is made lazily, shared by all calls
 * (Lettuce pipelines them), and dropped after any failure other than an error reply from Redis; the next permitted
 * call connects anew. Lettuce's own reconnect loop is off (see {@link RedisTier}), so that the breaker alone decides
 * when Redis is tried again.
 */
final class RedisLink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RedisLink.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final CircuitBreaker breaker;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private CompletableFuture<StatefulRedisConnection<byte[], byte[]>> connecting;
    private boolean closed;

    RedisLink(RedisClient client, RedisURI uri, CircuitBreaker breaker) {
        this.client = client;
        this.uri = uri;
        this.breaker = breaker;
    }

    CircuitBreaker breaker() {
        return breaker;
    }

    /** Starts connecting without waiting, so the first request finds the connection ready. */
    void warmUp() {
        synchronized (this) {
            if (connection == null && connecting == null && !closed) {
                startConnecting();
            }
        }
    }

    /**
     * Runs one command and waits at most {@code timeout} for its reply.
     *
     * @throws RedisUnavailableException if the circuit is open, the connection fails, the deadline passes or Redis
     *                                   answers with an error
     */
    <T> T call(Duration timeout, Function<RedisAsyncCommands<byte[], byte[]>, CompletionStage<T>> command)
            throws RedisUnavailableException {
        if (!breaker.tryAcquirePermission()) {
            throw new RedisUnavailableException("circuit open", null);
        }
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        CompletableFuture<T> reply = null;
        try {
            StatefulRedisConnection<byte[], byte[]> current = connection(deadline);
            reply = command.apply(current.async()).toCompletableFuture();
            T value = reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return value;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            breaker.releasePermission();
            throw new RedisUnavailableException("interrupted", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (reply != null) {
                reply.cancel(false);
            }
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, cause);
            if (!(cause instanceof RedisCommandExecutionException)) {
                reset(); // a timeout or a broken connection: start clean at the next permitted call
            }
            String what = e instanceof TimeoutException ? "no reply within " + timeout.toMillis() + " ms" : cause.toString();
            throw new RedisUnavailableException(what, cause);
        }
    }

    /** Stops making connections; the client's shutdown closes the one that is open. */
    @Override
    public synchronized void close() {
        closed = true;
        connection = null;
    }

    /**
     * The open connection, or one being made, waited for until the deadline. An attempt this call joined rather than
     * began (one started during an outage, say) may fail after the server is back, and would then fail this call,
     * often the circuit's half-open probe, with it: so when a joined attempt fails, the call makes one attempt of its
     * own within what is left of its deadline.
     */
    private StatefulRedisConnection<byte[], byte[]> connection(long deadline)
            throws ExecutionException, TimeoutException, InterruptedException {
        while (true) {
            CompletableFuture<StatefulRedisConnection<byte[], byte[]>> pending;
            boolean own;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("Redis tier closed");
                }
                if (connection != null && connection.isOpen()) {
                    return connection;
                }
                if (connecting != null && connecting.isCompletedExceptionally()) {
                    connecting = null; // failed; its completion handler may not have run yet
                }
                own = connecting == null;
                if (own) {
                    startConnecting();
                }
                pending = connecting;
            }
            try {
                return pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (own) {
                    throw e;
                }
            }
        }
    }

    /** Caller holds the lock. Outlives the call that started it: a slow connect still serves the next call. */
    private void startConnecting() {
        if (connection != null) {
            closeQuietly(connection);
            connection = null;
        }
        CompletableFuture<StatefulRedisConnection<byte[], byte[]>> attempt =
                client.connectAsync(ByteArrayCodec.INSTANCE, uri).toCompletableFuture();
        connecting = attempt;
        attempt.whenComplete((made, error) -> connected(attempt, made, error));
    }

    private void connected(CompletableFuture<StatefulRedisConnection<byte[], byte[]>> attempt,
            StatefulRedisConnection<byte[], byte[]> made, Throwable error) {
        boolean discard;
        synchronized (this) {
            if (connecting == attempt) {
                connecting = null;
            }
            discard = error == null && (closed || connection != null);
            if (error == null && !discard) {
                connection = made;
            }
        }
        if (discard) {
            closeQuietly(made);
        }
        if (error != null) {
            log.debug("connecting to Redis failed: {}", error.toString());
        }
    }

    private void reset() {
        StatefulRedisConnection<byte[], byte[]> broken;
        synchronized (this) {
            broken = connection;
            connection = null;
        }
        if (broken != null) {
            closeQuietly(broken);
        }
    }

    /** Lettuce warns about closing a connection twice; a dropped connection is often closed already. */
    private static void closeQuietly(StatefulRedisConnection<byte[], byte[]> connection) {
        if (connection.isOpen()) {
            connection.closeAsync();
        }
    }
}

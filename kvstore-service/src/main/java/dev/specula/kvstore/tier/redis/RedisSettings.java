package dev.specula.kvstore.tier.redis;

import java.time.Clock;
import java.time.Duration;

/**
 * How the Redis tier connects and how long it waits.
 *
 * @param uri            {@code redis://host:port[/db]} (or {@code rediss://} for TLS), as Lettuce parses it
 * @param capacityBytes  byte budget of all records in the namespace (header plus payload), enforced by the put script
 * @param namespace      key prefix; store replicas that share a namespace share the blocks and the budget
 * @param lookupTimeout  longest wait for a get, presence check or usage read: a slower answer is a miss
 * @param writeTimeout   longest wait for a put or delete (they carry whole blocks, so they get longer)
 * @param connectTimeout TCP connect and handshake of a new connection (calls never wait longer than their own timeout)
 * @param breakerWait    how long the circuit stays open before one call probes Redis again
 * @param clock          the breaker's clock; tests move it instead of sleeping
 */
public record RedisSettings(String uri, long capacityBytes, String namespace, Duration lookupTimeout,
        Duration writeTimeout, Duration connectTimeout, Duration breakerWait, Clock clock) {
}

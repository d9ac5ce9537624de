/**
 * A user-space stand-in for {@code tc netem}: a loopback TCP proxy that delays each direction of every connection
 * like a real pipe (bytes in flight, not one chunk at a time), optionally caps bandwidth, and can cut connections
 * abruptly or black-hole the link (a silent partition) until it heals. JDK only, so benchmarks and tests can depend
 * on it without pulling anything else in.
 */
package dev.specula.netem;

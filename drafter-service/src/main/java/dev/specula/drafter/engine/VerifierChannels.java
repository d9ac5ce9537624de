package dev.specula.drafter.engine;

import dev.specula.service.error.InvalidRequestException;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The channels a drafter opens verifier sessions on: its configured channel, or the replica the router placed a
 * request on. Routed endpoints must match one of the configured patterns ({@code *} matches any run of
 * characters), so a request cannot make the drafter dial an arbitrary address. Channels to routed endpoints are
 * kept in a small LRU; an evicted channel is shut down gracefully (calls on it finish first).
 */
public final class VerifierChannels implements AutoCloseable {
    private final Channel configured;
    private final List<Pattern> allowed;
    private final Function<String, ManagedChannel> dial;
    private final int maxRouted;
    private final Map<String, ManagedChannel> routed = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param allowedPatterns host:port patterns routed endpoints must match; empty = none allowed
     * @param dial            opens a channel to host:port (with the service's channel settings)
     * @param maxRouted       routed channels kept open at once
     */
    public VerifierChannels(Channel configured, List<String> allowedPatterns, Function<String, ManagedChannel> dial,
                            int maxRouted) {
        if (maxRouted < 1) {
            throw new IllegalArgumentException("maxRouted must be >= 1");
        }
        this.configured = configured;
        this.allowed = allowedPatterns.stream().map(VerifierChannels::glob).toList();
        this.dial = dial;
        this.maxRouted = maxRouted;
    }

    /** The configured channel alone (no routed endpoints accepted). */
    public static VerifierChannels configuredOnly(Channel configured) {
        return new VerifierChannels(configured, List.of(), target -> {
            throw new IllegalStateException("no routed verifiers");
        }, 1);
    }

    /** @throws InvalidRequestException when {@code endpoint} is not an allowed host:port */
    public Channel channel(String endpoint) {
        if (endpoint == null || endpoint.isEmpty()) {
            return configured;
        }
        if (allowed.stream().noneMatch(p -> p.matcher(endpoint).matches())) {
            throw new InvalidRequestException("verifier_endpoint " + endpoint
                    + " is not allowed by specula.drafter.routed-verifiers");
        }
        synchronized (routed) {
            ManagedChannel channel = routed.get(endpoint);
            if (channel == null) {
                channel = dial.apply(endpoint);
                routed.put(endpoint, channel);
                if (routed.size() > maxRouted) {
                    var eldest = routed.entrySet().iterator().next();
                    routed.remove(eldest.getKey());
                    eldest.getValue().shutdown();
                }
            }
            return channel;
        }
    }

    @Override
    public void close() {
        synchronized (routed) {
            routed.values().forEach(ManagedChannel::shutdown);
            routed.clear();
        }
    }

    private static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}

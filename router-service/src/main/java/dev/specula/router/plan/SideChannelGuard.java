package dev.specula.router.plan;

import dev.specula.router.config.SideChannelProperties;
import java.time.Duration;

/**
 * What the router does against the speculation side channel, resolved from its settings and how many tenants
 * share it: a fixed chunk cadence and whether acceptance figures reach clients. On by default as soon as more
 * than one tenant is configured; a single tenant only sees its own prompts' statistics.
 *
 * @param cadenceTokens tokens per streamed chunk (0 = one chunk per verification round)
 * @param exposeStats   acceptance figures in responses
 * @param cadenceInterval chunks leave on a clock grid of this period, at most one per tick (zero = as soon as full)
 */
public record SideChannelGuard(int cadenceTokens, boolean exposeStats, Duration cadenceInterval) {
    static final int DEFAULT_CADENCE = 4;
    public static final SideChannelGuard OFF = new SideChannelGuard(0, true);

    public SideChannelGuard {
        if (cadenceTokens < 0) {
            throw new IllegalArgumentException("cadence must be >= 0 tokens, got " + cadenceTokens);
        }
        cadenceInterval = cadenceInterval == null ? Duration.ZERO : cadenceInterval;
        if (cadenceInterval.isNegative()) {
            throw new IllegalArgumentException("cadence interval must be >= 0, got " + cadenceInterval);
        }
    }

    public SideChannelGuard(int cadenceTokens, boolean exposeStats) {
        this(cadenceTokens, exposeStats, Duration.ZERO);
    }

    public static SideChannelGuard resolve(SideChannelProperties settings, long tenants) {
        boolean shared = tenants > 1;
        int cadence = settings.cadenceTokens() >= 0 ? settings.cadenceTokens() : shared ? DEFAULT_CADENCE : 0;
        boolean stats = settings.exposeStats() != null ? settings.exposeStats() : !shared;
        return new SideChannelGuard(cadence, stats, settings.cadenceInterval());
    }
}

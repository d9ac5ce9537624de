package dev.specula.router.config;

import java.time.Duration;

/**
 * Defences against the speculation side channel ({@code specula.router.side-channel.*}): how many tokens each
 * round accepts depends on how predictable the text is, so per-round chunk sizes and acceptance figures can
 * fingerprint other tenants' prompts (RELIABILITY.md #16).
 *
 * @param cadenceTokens streamed chunks carry exactly this many tokens (the last one may carry fewer), whatever each
 *                      round accepted; 0 = one chunk per round; -1 (default) = 4 when more than one tenant is
 *                      configured, else 0
 * @param exposeStats   acceptance figures in responses (gRPC summary stats, the HTTP {@code specula} object);
 *                      unset (default) = only while at most one tenant is configured
 * @param cadenceInterval release streamed chunks on a fixed clock grid, at most one per interval, so their timing
 *                      does not follow the rounds either; caps output at cadence-tokens per interval (unset or 0,
 *                      the default: chunks leave as soon as they are full)
 */
public record SideChannelProperties(Integer cadenceTokens, Boolean exposeStats, Duration cadenceInterval) {
    public static final SideChannelProperties AUTO = new SideChannelProperties(-1, null, null);

    public SideChannelProperties {
        cadenceTokens = cadenceTokens == null ? -1 : cadenceTokens;
        cadenceInterval = cadenceInterval == null ? Duration.ZERO : cadenceInterval;
        if (cadenceInterval.isNegative()) {
            throw new IllegalArgumentException("specula.router.side-channel.cadence-interval must be >= 0, got "
                    + cadenceInterval);
        }
        if (cadenceTokens < -1) {
            throw new IllegalArgumentException("specula.router.side-channel.cadence-tokens must be >= -1, got "
                    + cadenceTokens);
        }
    }
}

package dev.specula.router.config;

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
 */
public record SideChannelProperties(Integer cadenceTokens, Boolean exposeStats) {
    public static final SideChannelProperties AUTO = new SideChannelProperties(-1, null);

    public SideChannelProperties {
        cadenceTokens = cadenceTokens == null ? -1 : cadenceTokens;
        if (cadenceTokens < -1) {
            throw new IllegalArgumentException("specula.router.side-channel.cadence-tokens must be >= -1, got "
                    + cadenceTokens);
        }
    }
}

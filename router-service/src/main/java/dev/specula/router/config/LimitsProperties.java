package dev.specula.router.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Request size limits of both front doors ({@code specula.router.limits.*}); the max_tokens cap is
 * {@code specula.router.max-tokens-cap}, the HTTP body limit {@code specula.router.http.max-body-size}.
 *
 * @param maxPromptTokens longest prompt accepted, in tokens; unset = the model context (a prompt must always leave
 *                        room for one new token)
 */
@ConfigurationProperties(prefix = "specula.router.limits", ignoreUnknownFields = false)
public record LimitsProperties(Integer maxPromptTokens) {

    public LimitsProperties {
        if (maxPromptTokens != null && maxPromptTokens < 1) {
            throw new IllegalArgumentException("specula.router.limits.max-prompt-tokens must be >= 1");
        }
    }
}

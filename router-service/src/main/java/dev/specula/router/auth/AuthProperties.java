package dev.specula.router.auth;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * API keys of the router ({@code specula.router.auth.*}). Auth is off while no key is configured (every caller is
 * the {@code default} tenant, as vLLM without {@code --api-key}); with at least one key, every request to the
 * OpenAI API ({@code /v1/**}), to the gRPC {@code Router} service and to edge sessions (the {@code Verifier/Session}
 * method the router relays) must present one
 * ({@code Authorization: Bearer <key>}, gRPC metadata {@code authorization}).
 *
 * <p>Keys are stored hashed: {@code sha256} is the lowercase hex SHA-256 of the key's UTF-8 bytes
 * ({@code printf %s "$KEY" | sha256sum}). Example:
 * <pre>
 * specula.router.auth.keys[0].sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * specula.router.auth.keys[0].tenant=team-a
 * specula.router.auth.keys[0].requests-per-second=5
 * specula.router.auth.keys[0].max-concurrent=4
 * </pre>
 *
 * @param keys the accepted keys; empty = auth off
 */
@ConfigurationProperties(prefix = "specula.router.auth", ignoreUnknownFields = false)
public record AuthProperties(List<ApiKey> keys) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public AuthProperties {
        keys = keys == null ? List.of() : List.copyOf(keys);
    }

    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** Distinct tenants among the keys (0 with auth off: everyone is the one {@code default} tenant). */
    public long tenants() {
        return keys.stream().map(ApiKey::tenant).distinct().count();
    }

    /**
     * One key.
     *
     * @param sha256            hex SHA-256 of the key (never the key itself)
     * @param tenant            the tenant its requests belong to: KV namespace and quota owner
     * @param requestsPerSecond sustained request rate of this key (Resilience4j RateLimiter); null or 0 = unlimited
     * @param maxConcurrent     requests of this key in flight at once (Resilience4j Bulkhead); null or 0 = unlimited
     */
    public record ApiKey(String sha256, String tenant, Double requestsPerSecond, Integer maxConcurrent) {

        public ApiKey {
            sha256 = sha256 == null ? "" : sha256.trim().toLowerCase(Locale.ROOT);
            if (!HEX64.matcher(sha256).matches()) {
                throw new IllegalArgumentException("specula.router.auth.keys[].sha256 must be 64 hex digits (the"
                        + " SHA-256 of the key, not the key)");
            }
            if (tenant == null || tenant.isBlank()) {
                throw new IllegalArgumentException("specula.router.auth.keys[].tenant must be set");
            }
            if (requestsPerSecond != null && (requestsPerSecond < 0 || requestsPerSecond.isNaN()
                    || requestsPerSecond.isInfinite())) {
                throw new IllegalArgumentException("specula.router.auth.keys[].requests-per-second must be >= 0");
            }
            if (maxConcurrent != null && maxConcurrent < 0) {
                throw new IllegalArgumentException("specula.router.auth.keys[].max-concurrent must be >= 0");
            }
        }
    }
}

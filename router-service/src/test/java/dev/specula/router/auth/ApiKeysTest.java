package dev.specula.router.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import org.junit.jupiter.api.Test;

/** API keys stored hashed, Bearer parsing, per-key rate and concurrency limits. */
class ApiKeysTest {
    private static final String KEY = "sk-test-123";

    private static ApiKeys keys(Double rps, Integer concurrent) {
        return new ApiKeys(new AuthProperties(List.of(new AuthProperties.ApiKey(ApiKeys.sha256Hex(KEY), "team-a", rps,
                concurrent))));
    }

    @Test
    void authIsOffWithoutKeys() {
        ApiKeys keys = new ApiKeys(new AuthProperties(null));

        assertThat(keys.enabled()).isFalse();
        assertThat(keys.authenticate(null)).isEqualTo(Caller.ANONYMOUS);
        assertThat(keys.authenticate(null).tenant()).isEqualTo("default");
    }

    @Test
    void bearerKeysAreMatchedByTheirHash() {
        ApiKeys keys = keys(null, null);

        assertThat(keys.authenticate("Bearer " + KEY).tenant()).isEqualTo("team-a");
        assertThat(keys.authenticate("bearer " + KEY).keyId()).startsWith("key-");
        assertThatThrownBy(() -> keys.authenticate(null)).isInstanceOf(UnauthenticatedException.class);
        assertThatThrownBy(() -> keys.authenticate("Bearer nope")).isInstanceOf(UnauthenticatedException.class);
        assertThatThrownBy(() -> keys.authenticate(KEY)).isInstanceOf(UnauthenticatedException.class);
        assertThatThrownBy(() -> keys.authenticate("Basic " + KEY)).isInstanceOf(UnauthenticatedException.class);
    }

    @Test
    void theConfigurationHoldsHashesNotKeys() {
        assertThatThrownBy(() -> new AuthProperties.ApiKey(KEY, "t", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHA-256");
        assertThat(ApiKeys.sha256Hex("test"))
                .isEqualTo("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    }

    @Test
    void overTheRateIsRefusedWithRetryAfter() {
        ApiKeys keys = keys(1.0, null);
        Caller caller = keys.authenticate("Bearer " + KEY);

        keys.admit(caller).close();
        QuotaExceededException refused = catchThrowableOfType(QuotaExceededException.class, () -> keys.admit(caller));

        assertThat(refused).isNotNull();
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 2L);
    }

    @Test
    void overTheConcurrencyLimitIsRefusedUntilASlotIsReleased() {
        ApiKeys keys = keys(null, 1);
        Caller caller = keys.authenticate("Bearer " + KEY);

        ApiKeys.Permit first = keys.admit(caller);
        assertThatThrownBy(() -> keys.admit(caller)).isInstanceOf(QuotaExceededException.class);
        first.close();
        first.close(); // harmless twice
        keys.admit(caller).close();
        keys.admit(caller).close();
    }
}

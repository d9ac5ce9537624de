package dev.specula.kvstore.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.kvstore.block.Tenant;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The stale-writer rule of RELIABILITY.md #24: lower epochs refused, equal or higher admitted, memory bounded. */
class WriterEpochsTest {
    private static final Tenant A = new Tenant("tenant-a");
    private static final Tenant B = new Tenant("tenant-b");
    private final AtomicLong now = new AtomicLong(1_000);
    private final WriterEpochs epochs = new WriterEpochs(3, Duration.ofSeconds(60), now::get);

    @Test
    void aLowerEpochIsRefusedAnEqualOrHigherOneAdmitted() {
        assertThat(epochs.admit(A, "gen", 1)).isTrue();
        assertThat(epochs.admit(A, "gen", 1)).as("the same owner writes again").isTrue();
        assertThat(epochs.admit(A, "gen", 2)).as("the generation moved on").isTrue();
        assertThat(epochs.admit(A, "gen", 1)).as("the superseded owner wakes up").isFalse();
        assertThat(epochs.admit(A, "gen", 2)).isTrue();
        assertThat(epochs.admit(A, "gen", 5)).isTrue();
        assertThat(epochs.admit(A, "gen", 4)).isFalse();
        assertThat(epochs.highest(A, "gen")).isEqualTo(5);
        assertThat(epochs.admitted()).isEqualTo(5);
        assertThat(epochs.rejected()).isEqualTo(2);
    }

    @Test
    void epochsAreKeptPerTenantAndPerGeneration() {
        assertThat(epochs.admit(A, "gen", 3)).isTrue();
        assertThat(epochs.admit(B, "gen", 1)).as("another tenant's generation of the same id").isTrue();
        assertThat(epochs.admit(A, "other", 1)).as("another generation").isTrue();
        assertThat(epochs.admit(A, "gen", 2)).isFalse();
        assertThat(epochs.highest(B, "gen")).isEqualTo(1);
    }

    @Test
    void unfencedWritesAreNeitherCheckedNorCounted() {
        assertThat(epochs.admit(A, "", 0)).isTrue();
        assertThat(epochs.admit(A, "", 0)).isTrue();
        assertThat(epochs.size()).isZero();
        assertThat(epochs.admitted()).isZero();
    }

    @Test
    void theMapHoldsAtMostMaxGenerationsDroppingTheLeastRecentlyWritten() {
        epochs.admit(A, "g1", 2);
        epochs.admit(A, "g2", 2);
        epochs.admit(A, "g3", 2);
        epochs.admit(A, "g1", 2); // g1 is now the most recent; g2 the eldest
        epochs.admit(A, "g4", 2);

        assertThat(epochs.size()).isEqualTo(3);
        assertThat(epochs.highest(A, "g2")).as("evicted").isEqualTo(-1);
        assertThat(epochs.admit(A, "g2", 1)).as("a forgotten generation admits any epoch").isTrue();
        assertThat(epochs.admit(A, "g1", 1)).as("a remembered one still fences").isFalse();
    }

    @Test
    void aGenerationIsForgottenTtlAfterItsLastWrite() {
        epochs.admit(A, "gen", 2);
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(epochs.admit(A, "gen", 1)).isFalse();
        assertThat(epochs.admit(A, "gen", 2)).as("refreshes the mark").isTrue();
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(epochs.admit(A, "gen", 1)).as("59 s after the last write: still fenced").isFalse();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(epochs.highest(A, "gen")).isEqualTo(-1);
        assertThat(epochs.admit(A, "gen", 1)).isTrue();
        assertThat(epochs.highest(A, "gen")).isEqualTo(1);
    }

    @Test
    void boundsMustBePositive() {
        assertThatThrownBy(() -> new WriterEpochs(0, Duration.ofSeconds(1), System::nanoTime))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WriterEpochs(1, Duration.ZERO, System::nanoTime))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.specula.router.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The time half of the fixed cadence (RELIABILITY.md #16), on a hand-driven clock: chunks leave on the tick grid,
 * one per tick, so two generations whose rounds complete chunks at very different moments release them at the same
 * instants as long as both outpace the grid.
 */
class ChunkPacerTest {
    private static final long TICK = 50;

    /** Time moves only when the generation waits for a round (advance) or the pacer sleeps (to the tick). */
    private static final class HandClock implements ChunkPacer.Clock {
        long now = 1_000;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepUntil(long nanos) {
            assertThat(nanos).as("never sleeps into the past").isGreaterThanOrEqualTo(now);
            now = nanos;
        }
    }

    /**
     * @param rounds per round: the time the round takes, then how many chunks it completes
     * @return release instants relative to the start
     */
    private static List<Long> releases(long[][] rounds) {
        HandClock clock = new HandClock();
        long start = clock.now;
        ChunkPacer pacer = new ChunkPacer(TICK, clock);
        List<Long> out = new ArrayList<>();
        for (long[] round : rounds) {
            clock.now += round[0];
            for (int i = 0; i < round[1]; i++) {
                out.add(pacer.awaitTick() - start);
                assertThat(clock.now - start).isEqualTo(out.get(out.size() - 1));
            }
        }
        return out;
    }

    @Test
    void chunksLeaveOneTickApartWhateverTheRoundsWhileGenerationOutpacesTheGrid() {
        // High acceptance: few long rounds, each completing several chunks at once.
        List<Long> high = releases(new long[][] {{30, 3}, {20, 0}, {25, 3}, {10, 2}});
        // Low acceptance: many short rounds, a chunk completed every other round.
        List<Long> low = releases(new long[][] {{12, 0}, {12, 1}, {5, 0}, {5, 1}, {3, 1}, {3, 1}, {3, 1}, {2, 1},
                {2, 1}, {2, 0}, {2, 1}});

        assertThat(high).isEqualTo(low).containsExactly(50L, 100L, 150L, 200L, 250L, 300L, 350L, 400L);
    }

    @Test
    void aSlowGenerationWaitsForTheNextTickOnTheGrid() {
        List<Long> slow = releases(new long[][] {{70, 1}, {130, 1}, {1, 1}, {100, 0}, {0, 1}});

        assertThat(slow).containsExactly(100L, 250L, 300L, 400L);
        assertThat(slow).allSatisfy(t -> assertThat(t % TICK).isZero());
    }

    @Test
    void theIntervalMustBePositive() {
        assertThatThrownBy(() -> new ChunkPacer(0, new HandClock())).isInstanceOf(IllegalArgumentException.class);
    }
}

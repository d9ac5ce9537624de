package dev.specula.kvstore.tier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PageArenaTest {

    private static final int PAGE = 1024;

    @Test
    void capacityIsRoundedDownToWholePages() {
        PageArena arena = new PageArena(10 * PAGE + 500, PAGE);

        assertThat(arena.totalPages()).isEqualTo(10);
        assertThat(arena.capacityBytes()).isEqualTo(10 * PAGE);
        assertThat(arena.pagesFor(1)).isEqualTo(1);
        assertThat(arena.pagesFor(PAGE)).isEqualTo(1);
        assertThat(arena.pagesFor(PAGE + 1)).isEqualTo(2);
    }

    @Test
    void refusesBudgetsSmallerThanOnePage() {
        assertThatThrownBy(() -> new PageArena(PAGE - 1, PAGE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void allocationFailsWithoutSideEffectsWhenTooFewPagesAreFree() {
        PageArena arena = new PageArena(4 * PAGE, PAGE);
        int[] three = arena.allocate(3);

        assertThat(arena.allocate(2)).isNull();
        assertThat(arena.freePages()).isEqualTo(1);
        arena.release(three);
        assertThat(arena.freePages()).isEqualTo(4);
    }

    @Test
    void blocksSpanNonAdjacentPagesAndReadBackExactly() {
        PageArena arena = new PageArena(8 * PAGE, PAGE);
        int[] a = arena.allocate(2);
        int[] b = arena.allocate(2);
        arena.release(a); // leaves a hole at pages 0-1, so the next 3-page block is split around b
        byte[] payload = new byte[3 * PAGE - 7];
        new SplittableRandom(1).nextBytes(payload);

        int[] c = arena.allocate(3);
        arena.write(c, ByteBuffer.wrap(payload));

        assertThat(c).containsExactly(0, 1, 4);
        assertThat(b).containsExactly(2, 3);
        assertThat(arena.read(c, payload.length)).isEqualTo(payload);
    }

    @Test
    void flipByteChangesExactlyOneByte() {
        PageArena arena = new PageArena(2 * PAGE, PAGE);
        int[] pages = arena.allocate(2);
        byte[] payload = new byte[2 * PAGE];
        arena.write(pages, ByteBuffer.wrap(payload));

        arena.flipByte(pages[1], 5);

        byte[] read = arena.read(pages, payload.length);
        assertThat(read[PAGE + 5]).isEqualTo((byte) 0xFF);
        read[PAGE + 5] = 0;
        assertThat(read).isEqualTo(payload);
    }
}

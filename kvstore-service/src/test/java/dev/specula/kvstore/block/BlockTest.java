package dev.specula.kvstore.block;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockTest {
    private final TestBlocks blocks = new TestBlocks(5);

    @Test
    void readersGetReadOnlyIndependentViews() {
        Block block = blocks.block(blocks.key(Tenant.of("t")), 1000);
        ByteBuffer first = block.payload();
        first.position(500);

        assertThat(first.isReadOnly()).isTrue();
        assertThat(block.payload().remaining()).isEqualTo(1000);
        assertThat(block.intact()).isTrue();
    }

    /** What lets the gRPC edge wrap a block read into a fresh array without copying it (protobuf copies read-only). */
    @Test
    void theSharedViewOfAHeapBlockExposesItsArrayAndOnlyItsBytes() {
        byte[] array = new byte[100];
        array[10] = 42;
        Block block = new Block(blocks.key(Tenant.of("t")), "fp32", 16, 0, ByteBuffer.wrap(array, 10, 50));

        ByteBuffer shared = block.sharedPayload();
        assertThat(shared.hasArray()).isTrue();
        assertThat(shared.array()).isSameAs(array);
        assertThat(shared.remaining()).isEqualTo(50);
        assertThat(shared.get(shared.position())).isEqualTo((byte) 42);
    }
}

package dev.specula.kvstore.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockRecordTest {

    private final TestBlocks data = new TestBlocks(13);
    private final Tenant tenant = new Tenant("tenant-ä/1");

    @Test
    void roundTripsTheBlockAndItsFullKey() throws CorruptRecordException {
        Block block = data.block(data.key(tenant), 777);
        byte[] record = BlockRecord.encode(block);

        assertThat(record).hasSize(BlockRecord.headerBytes(block) + 777);
        BlockRecord.Header header = BlockRecord.readHeader(ByteBuffer.wrap(record));
        assertThat(header.key()).isEqualTo(block.key());
        assertThat(header.codec()).isEqualTo("fp16");
        assertThat(header.tokenCount()).isEqualTo(16);
        assertThat(header.recordBytes()).isEqualTo(record.length);
        assertThat(BlockRecord.decode(ByteBuffer.wrap(record), block.key())).isEqualTo(block);
    }

    @Test
    void everySingleByteFlipAnywhereIsDetected() {
        Block block = data.block(data.key(tenant), 64);
        byte[] record = BlockRecord.encode(block);
        for (int i = 0; i < record.length; i++) {
            byte[] damaged = record.clone();
            damaged[i] ^= 0x01;
            int at = i;
            assertThatThrownBy(() -> BlockRecord.decode(ByteBuffer.wrap(damaged), block.key()))
                    .as("byte %d flipped", at).isInstanceOf(CorruptRecordException.class);
        }
    }

    @Test
    void aRecordUnderAnotherKeyOrOfAnotherLengthIsRefused() {
        byte[] hash = data.hash();
        Block block = data.block(BlockKey.of(tenant, hash), 100);
        byte[] record = BlockRecord.encode(block);
        byte[] otherHash = hash.clone();
        otherHash[31] ^= 1;

        assertThatThrownBy(() -> BlockRecord.decode(ByteBuffer.wrap(record), BlockKey.of(new Tenant("x"), hash)))
                .hasMessageContaining("looked up as");
        assertThatThrownBy(() -> BlockRecord.decode(ByteBuffer.wrap(record), BlockKey.of(tenant, otherHash)))
                .hasMessageContaining("looked up as");
        assertThatThrownBy(() -> BlockRecord.decode(ByteBuffer.wrap(record, 0, record.length - 1), block.key()))
                .hasMessageContaining("header says");
        assertThatThrownBy(() -> BlockRecord.decode(ByteBuffer.wrap(record, 0, 5), block.key()))
                .hasMessageContaining("shorter than its header");
    }
}

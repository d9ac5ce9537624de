package dev.specula.kvstore.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.service.error.InvalidRequestException;
import org.junit.jupiter.api.Test;

class BlockKeyTest {

    private final TestBlocks data = new TestBlocks(3);

    @Test
    void roundTripsTheHashAndComparesAll256Bits() {
        byte[] hash = data.hash();
        byte[] lastByteDiffers = hash.clone();
        lastByteDiffers[31] ^= 1;

        BlockKey key = BlockKey.of(Tenant.DEFAULT, hash);

        assertThat(key.hash()).isEqualTo(hash);
        assertThat(key).isEqualTo(BlockKey.of(Tenant.DEFAULT, hash.clone()));
        assertThat(key).isNotEqualTo(BlockKey.of(Tenant.DEFAULT, lastByteDiffers));
        assertThat(key).isNotEqualTo(BlockKey.of(new Tenant("other"), hash));
    }

    @Test
    void refusesHashesThatAreNot32Bytes() {
        assertThatThrownBy(() -> BlockKey.of(Tenant.DEFAULT, new byte[31]))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("key must be 32 bytes (SHA-256), got 31");
    }

    @Test
    void emptyTenantIsTheDefaultNamespace() {
        assertThat(Tenant.of("")).isEqualTo(Tenant.DEFAULT).isEqualTo(Tenant.of("default"));
        assertThatThrownBy(() -> Tenant.of("x".repeat(129))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> Tenant.of("a\nb")).isInstanceOf(InvalidRequestException.class);
    }
}

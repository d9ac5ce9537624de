package dev.specula.runtime.engine;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Where offloaded KV blocks live beyond the verifier: the KV store service in production. Implementations may
 * throw on any failure or timeout; the engine turns every failure into a cache miss (recomputation), never
 * into a failed request or wrong KV.
 */
public interface BlockStore {

    /** No store configured: nothing is offloaded, nothing restored. */
    BlockStore NONE = new BlockStore() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public int lookupPrefix(String tenant, List<Hash256> chain) {
            return 0;
        }

        @Override
        public List<byte[]> get(String tenant, List<Hash256> keys) {
            return List.of();
        }

        @Override
        public void put(String tenant, List<StoredBlock> blocks) {
        }
    };

    default boolean enabled() {
        return true;
    }

    /** How many leading keys of {@code chain} are stored for {@code tenant}. */
    int lookupPrefix(String tenant, List<Hash256> chain);

    /**
     * The payloads of {@code keys} in order, ending early at the first key that is missing or whose block fails
     * its checks (key echoed, checksum, codec, token count). Never a payload under a key it was not stored with.
     */
    List<byte[]> get(String tenant, List<Hash256> keys);

    /**
     * Streams the blocks of the longest stored prefix of {@code chain} to {@code sink}, in order, ending at the first
     * key that is missing or whose block fails its checks, or when the sink refuses one. The sink is called one block
     * at a time, possibly on another thread, but every call happens before this method returns or throws. This
     * default does {@link #lookupPrefix} then {@link #get}; a store that can do both in one round trip overrides it.
     *
     * @return how many blocks the sink accepted (chain[0, n))
     */
    default int fetchPrefix(String tenant, List<Hash256> chain, BlockSink sink) {
        int stored = Math.min(lookupPrefix(tenant, chain), chain.size());
        if (stored <= 0) {
            return 0;
        }
        int accepted = 0;
        for (byte[] block : get(tenant, chain.subList(0, stored))) {
            if (accepted >= stored || !sink.accept(ByteBuffer.wrap(block).asReadOnlyBuffer())) {
                break;
            }
            accepted++;
        }
        return accepted;
    }

    /** Stores blocks (already stored keys are left as they are). Blocking; the engine calls it off the request path. */
    void put(String tenant, List<StoredBlock> blocks);

    /**
     * {@link #put(String, List)} on behalf of a fenced generation. This default ignores the fence (stores that do
     * not check epochs).
     *
     * @throws StaleWriteException the store refused the write: a newer epoch of the generation wrote before
     */
    default void put(String tenant, WriteFence fence, List<StoredBlock> blocks) {
        put(tenant, blocks);
    }
}

package dev.specula.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory {@link BlockStore} that can misbehave on demand. */
final class FakeBlockStore implements BlockStore {
    enum Mode {
        HONEST,
        /** Every call throws, as an unreachable or timing-out store does. */
        DOWN,
        /** Lookup claims every key; get returns only the first block. */
        WITHHOLDS,
        /** Get returns blocks whose header says another geometry (a writer with another layout). */
        WRONG_LAYOUT,
        /** Get returns truncated payloads (a torn write). */
        TRUNCATED,
        /** A streamed fetch hands over two good blocks, then the call fails (a connection lost mid-stream). */
        FAILS_MIDWAY,
        /** A streamed fetch claims more blocks than it handed over (a buggy client). */
        OVERCLAIMS,
        /** Puts of a fenced generation are refused as stale (another replica wrote a newer epoch). */
        FENCED
    }

    final Map<String, byte[]> blocks = new ConcurrentHashMap<>();
    final AtomicInteger puts = new AtomicInteger();
    final AtomicInteger gets = new AtomicInteger();
    final List<WriteFence> fences = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile Mode mode = Mode.HONEST;

    @Override
    public int lookupPrefix(String tenant, List<Hash256> chain) {
        failIfDown();
        if (mode == Mode.WITHHOLDS) {
            return chain.size();
        }
        int n = 0;
        while (n < chain.size() && blocks.containsKey(name(tenant, chain.get(n)))) {
            n++;
        }
        return n;
    }

    @Override
    public List<byte[]> get(String tenant, List<Hash256> keys) {
        failIfDown();
        gets.incrementAndGet();
        List<byte[]> out = new ArrayList<>();
        for (Hash256 key : keys) {
            byte[] block = blocks.get(name(tenant, key));
            if (block == null) {
                break;
            }
            out.add(switch (mode) {
                case WRONG_LAYOUT -> withTokens(block, 8);
                case TRUNCATED -> java.util.Arrays.copyOf(block, block.length - 4);
                default -> block;
            });
            if (mode == Mode.WITHHOLDS) {
                break;
            }
        }
        return out;
    }

    @Override
    public int fetchPrefix(String tenant, List<Hash256> chain, BlockSink sink) {
        if (mode != Mode.FAILS_MIDWAY && mode != Mode.OVERCLAIMS) {
            return BlockStore.super.fetchPrefix(tenant, chain, sink);
        }
        gets.incrementAndGet();
        int stored = lookupPrefix(tenant, chain);
        for (int i = 0; i < Math.min(2, stored); i++) {
            sink.accept(java.nio.ByteBuffer.wrap(blocks.get(name(tenant, chain.get(i)))).asReadOnlyBuffer());
        }
        if (mode == Mode.FAILS_MIDWAY) {
            throw new IllegalStateException("stream reset (test)");
        }
        return chain.size();
    }

    @Override
    public void put(String tenant, List<StoredBlock> stored) {
        failIfDown();
        puts.incrementAndGet();
        for (StoredBlock block : stored) {
            blocks.putIfAbsent(name(tenant, block.key()), block.payload());
        }
    }

    @Override
    public void put(String tenant, WriteFence fence, List<StoredBlock> stored) {
        fences.add(fence);
        if (mode == Mode.FENCED && fence.fenced()) {
            throw new StaleWriteException("generation " + fence.generationId() + " moved on (test)", null);
        }
        put(tenant, stored);
    }

    private void failIfDown() {
        if (mode == Mode.DOWN) {
            throw new IllegalStateException("store unavailable (test)");
        }
    }

    private static String name(String tenant, Hash256 key) {
        return tenant + "/" + key.hex();
    }

    /** The same bytes, header claiming another token count. */
    private static byte[] withTokens(byte[] block, int tokens) {
        byte[] copy = block.clone();
        java.nio.ByteBuffer.wrap(copy).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(20, tokens);
        return copy;
    }
}

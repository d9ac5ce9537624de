package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills an empty cache with the longest cached prefix of a token sequence: first the verifier's own prefix
 * cache, then, for the blocks after that, the KV store in one streamed call (its stored prefix). Blocks are laid
 * straight into the session's cache as they arrive ({@link KvAssembly}); each is checked (geometry, size; the store
 * client checks key and checksum) before it is placed, the vouched-for ones are committed at once, and whatever is
 * not restored is simply recomputed by the next forward. Store blocks are also kept in the prefix cache (promotion), so the next session
 * sharing them needs no store trip.
 */
final class KvRestorer {
    private final GraphSignature signature;
    private final BlockHasher hasher;
    private final PrefixCache cache;
    private final GuardedStore store;
    private final RecentKeys storedKeys;
    private final EngineCounters counters;

    KvRestorer(GraphSignature signature, BlockHasher hasher, PrefixCache cache, GuardedStore store,
               RecentKeys storedKeys, EngineCounters counters) {
        this.signature = signature;
        this.hasher = hasher;
        this.cache = cache;
        this.store = store;
        this.storedKeys = storedKeys;
        this.counters = counters;
    }

    /**
     * @param session an empty cache of the served model
     * @param usable  only tokens [0, usable) may be restored (a session keeps its last token uncached)
     */
    RestoreOutcome restore(DecoderSession session, String tenant, int[] tokens, int usable) {
        int blockTokens = hasher.blockTokens();
        List<Hash256> chain = hasher.chain(tenant, tokens, usable);
        if (chain.isEmpty()) {
            return RestoreOutcome.NONE;
        }
        counters.prefixQueryTokens.add((long) chain.size() * blockTokens);
        KvAssembly assembly = new KvAssembly(session, signature, blockTokens, chain.size());
        for (byte[] block : cache.get(chain, cache.longestPrefix(chain))) {
            // Checked first: a refused add would close the assembly to the store's blocks that follow.
            if (!KvBlocks.fits(block, signature, blockTokens) || !assembly.add(ByteBuffer.wrap(block))) {
                counters.rejectedBlocks.increment();
                break;
            }
        }
        int local = assembly.blocks();
        int fromStore = 0;
        if (local < chain.size() && store.enabled()) {
            fromStore = fetch(tenant, chain, local, assembly);
        }
        if (local + fromStore == 0) {
            return RestoreOutcome.NONE;
        }
        // Only what the store call vouched for: blocks a failed call had already delivered are left out.
        assembly.commit(local + fromStore);
        RestoreOutcome outcome = new RestoreOutcome(local * blockTokens, fromStore * blockTokens);
        counters.prefixHitTokens.add(outcome.localTokens());
        counters.restoredTokens.add(outcome.storeTokens());
        return outcome;
    }

    /** Streams chain[local, ...) from the store into the assembly. @return blocks fetched and placed */
    private int fetch(String tenant, List<Hash256> chain, int local, KvAssembly assembly) {
        List<byte[]> promoted = new ArrayList<>();
        boolean promote = cache.enabled();
        int[] refused = {0};
        int fetched = store.fetchPrefix(tenant, chain.subList(local, chain.size()), payload -> {
            if (!assembly.add(payload)) {
                refused[0]++;
                return false;
            }
            if (promote) {
                byte[] copy = new byte[payload.remaining()]; // the payload is only lent for this call
                payload.duplicate().get(copy);
                promoted.add(copy);
            }
            return true;
        });
        counters.rejectedBlocks.add(refused[0]);
        fetched = Math.min(fetched, assembly.blocks() - local);
        for (int i = 0; i < fetched; i++) {
            storedKeys.add(chain.get(local + i));
            if (promote) {
                cache.put(chain.get(local + i), promoted.get(i));
            }
        }
        return fetched;
    }
}

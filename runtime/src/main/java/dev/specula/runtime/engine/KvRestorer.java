package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills an empty cache with the longest cached prefix of a token sequence: first the verifier's own prefix
 * cache, then, for the blocks after that, the KV store (LookupPrefix, then GetBlocks of the missing run). Every
 * block is checked (geometry, size; the store client checks key and checksum) before anything is imported, all
 * blocks go in with ONE import, and whatever is not restored is simply recomputed by the next forward. Store
 * blocks are also kept in the prefix cache (promotion), so the next session sharing them needs no store trip.
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
        List<byte[]> blocks = new ArrayList<>(cache.get(chain, cache.longestPrefix(chain)));
        int local = checkedPrefix(blocks, blockTokens);
        int fromStore = 0;
        if (local < chain.size() && store.enabled()) {
            int stored = store.lookupPrefix(tenant, chain);
            for (int i = 0; i < stored; i++) {
                storedKeys.add(chain.get(i));
            }
            if (stored > local) {
                List<byte[]> fetched = new ArrayList<>(store.get(tenant, chain.subList(local, stored)));
                fromStore = checkedPrefix(fetched, blockTokens);
                for (int i = 0; i < fromStore; i++) {
                    cache.put(chain.get(local + i), fetched.get(i));
                }
                blocks.addAll(fetched.subList(0, fromStore));
            }
        }
        if (blocks.isEmpty()) {
            return RestoreOutcome.NONE;
        }
        session.importKv(0, KvBlocks.concat(blocks, signature, blockTokens));
        RestoreOutcome outcome = new RestoreOutcome(local * blockTokens, fromStore * blockTokens);
        counters.prefixHitTokens.add(outcome.localTokens());
        counters.restoredTokens.add(outcome.storeTokens());
        return outcome;
    }

    /** Keeps the leading blocks that fit this model's layout; drops the first misfit and everything after it. */
    private int checkedPrefix(List<byte[]> blocks, int blockTokens) {
        for (int i = 0; i < blocks.size(); i++) {
            if (!KvBlocks.fits(blocks.get(i), signature, blockTokens)) {
                counters.rejectedBlocks.increment();
                blocks.subList(i, blocks.size()).clear();
                return i;
            }
        }
        return blocks.size();
    }
}

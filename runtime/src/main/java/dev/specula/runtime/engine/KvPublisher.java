package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import java.util.ArrayList;
import java.util.List;

/**
 * Shares a session's computed KV: exports the full blocks of its cache that the prefix cache does not hold yet
 * (so concurrent and later sessions with the same prefix can import them) and, when the session ends or idles,
 * those the store has not seen (so a later turn can restore them after this verifier forgot them). Runs on the
 * session's own thread while it owns its cache; only the store upload is asynchronous.
 */
final class KvPublisher {
    private final BlockHasher hasher;
    private final PrefixCache cache;
    private final KvOffloader offloader;
    private final boolean storeEnabled;
    private final RecentKeys storedKeys;

    KvPublisher(BlockHasher hasher, PrefixCache cache, KvOffloader offloader, boolean storeEnabled,
                RecentKeys storedKeys) {
        this.hasher = hasher;
        this.cache = cache;
        this.offloader = offloader;
        this.storeEnabled = storeEnabled;
        this.storedKeys = storedKeys;
    }

    /**
     * @param fence   the session's fencing token, sent with the store upload
     * @param tokens  the session's tokens; the first {@code session.length()} are in its cache
     * @param toStore also offload to the store
     */
    void publish(String tenant, WriteFence fence, DecoderSession session, int[] tokens, boolean toStore) {
        boolean store = toStore && storeEnabled;
        if (!cache.enabled() && !store) {
            return;
        }
        int blockTokens = hasher.blockTokens();
        List<Hash256> chain = hasher.chain(tenant, tokens, session.length());
        List<StoredBlock> upload = new ArrayList<>();
        for (int b = 0; b < chain.size(); b++) {
            Hash256 key = chain.get(b);
            boolean local = cache.enabled() && !cache.contains(key);
            boolean remote = store && !storedKeys.contains(key);
            if (!local && !remote) {
                continue;
            }
            byte[] block = KvBlocks.export(session, blockTokens, b, b + 1).get(0);
            if (local) {
                cache.put(key, block);
            }
            if (remote) {
                upload.add(new StoredBlock(key, block, blockTokens));
            }
        }
        offloader.offload(tenant, fence, upload);
    }
}

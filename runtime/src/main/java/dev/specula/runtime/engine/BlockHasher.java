package dev.specula.runtime.engine;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Names KV blocks by content, as vLLM's prefix caching does: block i of a token sequence (tokens
 * [i*B, (i+1)*B)) has the key
 * <pre>
 *   key_i = SHA-256("spkv-block/1", key_{i-1}, B token ids (length-prefixed), model fingerprint, tenant salt)
 * </pre>
 * with key_{-1} = 0. The parent key makes a key name the whole prefix up to the end of its block, so the keys of
 * a prompt form a chain and the longest cached prefix is the longest run of present keys. The tenant salt keeps
 * tenants from ever sharing (or timing-probing) each other's blocks (RELIABILITY.md #14, vLLM's cache_salt); the
 * fingerprint keeps models, dtypes, block sizes and layouts apart (#13). Only full blocks have keys.
 *
 * @param fingerprint the served model's fingerprint
 * @param blockTokens B, tokens per block
 */
public record BlockHasher(ModelFingerprint fingerprint, int blockTokens) {
    private static final String DOMAIN = "spkv-block/1";

    public BlockHasher {
        if (blockTokens < 1) {
            throw new IllegalArgumentException("block-tokens must be >= 1, got " + blockTokens);
        }
    }

    /** Full blocks in {@code tokens} tokens. */
    public int fullBlocks(int tokens) {
        return tokens / blockTokens;
    }

    /** Keys of the full blocks of {@code tokens[0, length)}. */
    public List<Hash256> chain(String tenant, int[] tokens, int length) {
        int blocks = fullBlocks(length);
        List<Hash256> keys = new ArrayList<>(blocks);
        Hash256 parent = Hash256.ZERO;
        MessageDigest sha = Sha256.newDigest();
        for (int b = 0; b < blocks; b++) {
            CanonicalWriter out = new CanonicalWriter(sha);
            out.string(DOMAIN);
            out.hash(parent);
            out.tokens(tokens, b * blockTokens, (b + 1) * blockTokens);
            out.hash(fingerprint.value());
            out.string(tenant);
            parent = Hash256.of(sha.digest());
            keys.add(parent);
        }
        return keys;
    }
}

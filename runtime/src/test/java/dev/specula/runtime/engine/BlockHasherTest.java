package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import dev.specula.runtime.testing.TestModels;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Block keys: chain structure, what they depend on (tenant, weights, block size, KV dtype, tokenizer, layout
 * version), and no aliasing (RELIABILITY.md #13, #14, #15, B2).
 */
class BlockHasherTest {
    private final DecoderModel tiny = TestModels.tiny();
    private final ModelFingerprint fingerprint = ModelFingerprint.of(tiny, 16);
    private final BlockHasher hasher = new BlockHasher(fingerprint, 16);

    @Test
    void keysNameWholePrefixesOfFullBlocks() {
        int[] tokens = TestModels.tokens(50, 1);
        List<Hash256> chain = hasher.chain("default", tokens, 50);
        assertEquals(3, chain.size(), "50 tokens hold 3 full blocks of 16");
        assertEquals(chain, hasher.chain("default", tokens, 50), "deterministic");
        int[] changedLate = tokens.clone();
        changedLate[40] ^= 1;
        List<Hash256> other = hasher.chain("default", changedLate, 50);
        assertEquals(chain.subList(0, 2), other.subList(0, 2), "blocks before the change are shared");
        assertNotEquals(chain.get(2), other.get(2));
        int[] changedEarly = tokens.clone();
        changedEarly[0] ^= 1;
        List<Hash256> early = hasher.chain("default", changedEarly, 50);
        for (int i = 0; i < 3; i++) {
            assertNotEquals(chain.get(i), early.get(i), "a change propagates down the chain (block " + i + ")");
        }
    }

    @Test
    void tenantModelAndBlockSizeAllChangeEveryKey() {
        int[] tokens = TestModels.tokens(32, 2);
        List<Hash256> base = hasher.chain("a", tokens, 32);
        assertDisjoint(base, hasher.chain("b", tokens, 32));
        assertDisjoint(base, hasher.chain("a\u0000", tokens, 32));
        BlockHasher otherModel = new BlockHasher(new ModelFingerprint(Hash256.of(new byte[32]), "test"), 16);
        assertDisjoint(base, otherModel.chain("a", tokens, 32));
        BlockHasher otherSize = new BlockHasher(ModelFingerprint.of(tiny, 8), 16);
        assertDisjoint(base, otherSize.chain("a", tokens, 32));
        assertNotEquals(fingerprint.value(), ModelFingerprint.of(tiny, 32).value(), "block size is in the fingerprint");
        assertNotEquals(fingerprint.value(), ModelFingerprint.of(tiny, 16, 0).value(),
                "identifying weights by hash or by signature gives different fingerprints");
    }

    @Test
    void kvDtypeTokenizerAndLayoutVersionAllChangeEveryKey() {
        int[] tokens = TestModels.tokens(32, 3);
        GraphSignature signature = tiny.signature();
        String tokenizer = tiny.tokenizerFile().sha256();
        long hashAll = ModelFingerprint.MAX_HASHED_BYTES;
        ModelFingerprint served = ModelFingerprint.of(tiny.folder(), signature, tokenizer, 16, hashAll,
                KvBlockLayout.VERSION);
        assertEquals(fingerprint, served, "the parts below are those of the served fingerprint");
        List<Hash256> base = hasher.chain("a", tokens, 32);

        KvDType otherType = signature.kvType() == KvDType.FLOAT32 ? KvDType.FLOAT16 : KvDType.FLOAT32;
        GraphSignature otherDtype = new GraphSignature(signature.layers(), signature.kvHeads(), signature.headDim(),
                signature.vocabSize(), otherType, signature.logitsType(), signature.hasPositionIds(),
                signature.hasUseCacheBranch());
        String otherTokenizer = "0".repeat(64);
        Map<String, ModelFingerprint> skews = Map.of(
                "KV dtype " + signature.kvType() + " → " + otherType,
                ModelFingerprint.of(tiny.folder(), otherDtype, tokenizer, 16, hashAll, KvBlockLayout.VERSION),
                "tokenizer hash",
                ModelFingerprint.of(tiny.folder(), signature, otherTokenizer, 16, hashAll, KvBlockLayout.VERSION),
                "layout version " + KvBlockLayout.VERSION + " → " + (KvBlockLayout.VERSION + 1),
                ModelFingerprint.of(tiny.folder(), signature, tokenizer, 16, hashAll, KvBlockLayout.VERSION + 1));
        skews.forEach((skew, other) -> {
            assertNotEquals(fingerprint.value(), other.value(), skew);
            assertDisjoint(base, new BlockHasher(other, 16).chain("a", tokens, 32));
        });
    }

    @Test
    void randomSequencesNeverAlias() {
        Random random = new Random(7);
        Map<Hash256, List<Integer>> seen = new HashMap<>();
        BlockHasher small = new BlockHasher(fingerprint, 2);
        for (int i = 0; i < 3000; i++) {
            // Lengths differ too: [a b] as one block vs blocks of another size must never meet.
            int[] tokens = {random.nextInt(300), random.nextInt(300), random.nextInt(300), random.nextInt(300)};
            List<Hash256> chain = small.chain("t", tokens, 4);
            for (int b = 0; b < chain.size(); b++) {
                List<Integer> prefix = List.of(tokens[0], tokens[1], b == 1 ? tokens[2] : -1, b == 1 ? tokens[3] : -1);
                List<Integer> earlier = seen.putIfAbsent(chain.get(b), prefix);
                assertTrue(earlier == null || earlier.equals(prefix), "two prefixes share a key: " + earlier + ", " + prefix);
            }
        }
    }

    @Test
    void keysThatShareTheirFirst64BitsAreDifferentCacheEntries() {
        Hash256 a = new Hash256(42, 1, 2, 3);
        Hash256 b = new Hash256(42, 1, 2, 4);
        PrefixCache cache = new PrefixCache(1 << 20);
        cache.put(a, new byte[] {1});
        assertFalse(cache.contains(b));
        assertEquals(0, cache.longestPrefix(List.of(b)));
        assertEquals(List.of(), cache.get(List.of(b), 1));
        assertEquals(a, Hash256.of(a.bytes()), "bytes round-trip all 256 bits");
    }

    private static void assertDisjoint(List<Hash256> a, List<Hash256> b) {
        for (Hash256 key : a) {
            assertFalse(b.contains(key), "key shared: " + key);
        }
    }
}

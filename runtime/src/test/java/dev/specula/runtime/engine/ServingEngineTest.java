package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.TestModels;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Prefix caching, store restore, eviction: every path that skips computing KV must give exactly the tokens of
 * plain greedy decoding, and every store failure must cost only the skip (RELIABILITY.md #11, #12, #14).
 */
class ServingEngineTest {
    private static final int PROMPT = 70;
    private static final int NEW = 10;
    private final DecoderModel tiny = TestModels.tiny();

    private static EngineSettings settings() {
        return EngineSettings.defaults().withPrefixCacheBytes(16L << 20);
    }

    @Test
    void sessionsSharingAPromptPrefixImportItAndDecodeTheSame() {
        int[] prompt = TestModels.tokens(PROMPT, 1);
        try (ServingEngine engine = new ServingEngine(tiny, settings(), BlockStore.NONE, BatchListener.NONE)) {
            ServedSession first = open(engine, "default", prompt);
            assertEquals(0, first.cachedTokens(), "nothing cached yet");
            TokenSequence firstTokens = new TokenSequence(prompt);
            int[] firstOut = Generations.decode(first, firstTokens, NEW);
            assertArrayEquals(Generations.reference(tiny, prompt, NEW), firstOut);

            // While the first is still open, its prompt blocks are already shared (4 full blocks of 69 tokens).
            ServedSession concurrent = open(engine, "default", prompt);
            assertEquals(64, concurrent.cachedTokens());
            assertArrayEquals(firstOut, Generations.decode(concurrent, new TokenSequence(prompt), NEW));
            concurrent.close();
            first.close();

            // The next turn: old conversation + new text. Closing published the generated blocks too.
            int[] nextTurn = concat(firstTokens.toArray(), TestModels.tokens(20, 2));
            ServedSession next = open(engine, "default", nextTurn);
            assertEquals(64, next.cachedTokens(), "79 cached tokens of the first turn = 4 full blocks");
            assertArrayEquals(Generations.reference(tiny, nextTurn, NEW),
                    Generations.decode(next, new TokenSequence(nextTurn), NEW));
            next.close();

            ServedSession otherTenant = open(engine, "tenant-b", prompt);
            assertEquals(0, otherTenant.cachedTokens(), "no cross-tenant hits");
            otherTenant.close();
            assertTrue(engine.counters().prefixHitTokens() >= 128);
            assertEquals(0, engine.budget().reservedBytes(), "every reservation released");
        }
    }

    @Test
    void aFreshVerifierRestoresAFinishedSessionFromTheStore() {
        FakeBlockStore store = new FakeBlockStore();
        int[] prompt = TestModels.tokens(PROMPT, 3);
        int[] conversation = runAndClose(store, prompt);
        int[] nextTurn = concat(conversation, TestModels.tokens(9, 4));
        try (ServingEngine engine = new ServingEngine(tiny, settings().withPrefixCacheBytes(0), store,
                BatchListener.NONE)) {
            ServedSession session = open(engine, "default", nextTurn);
            assertEquals(64, session.cachedTokens());
            assertEquals(64, engine.counters().restoredTokens());
            assertArrayEquals(Generations.reference(tiny, nextTurn, NEW),
                    Generations.decode(session, new TokenSequence(nextTurn), NEW));
            session.close();
        }
    }

    @Test
    void storeBlocksArePromotedIntoThePrefixCacheSoTheNextSessionNeedsNoStoreTrip() {
        FakeBlockStore store = new FakeBlockStore();
        int[] prompt = TestModels.tokens(PROMPT, 13);
        int[] nextTurn = concat(runAndClose(store, prompt), TestModels.tokens(9, 14));
        try (ServingEngine engine = new ServingEngine(tiny, settings(), store, BatchListener.NONE)) {
            ServedSession restored = open(engine, "default", nextTurn);
            assertEquals(64, engine.counters().restoredTokens(), "from the store");
            assertArrayEquals(Generations.reference(tiny, nextTurn, NEW),
                    Generations.decode(restored, new TokenSequence(nextTurn), NEW));
            int gets = store.gets.get();

            ServedSession local = open(engine, "default", nextTurn);
            // The 4 promoted blocks, plus the 5th the open session published after computing it.
            assertEquals(80, local.cachedTokens());
            assertEquals(gets, store.gets.get(), "served by the prefix cache");
            assertArrayEquals(Generations.reference(tiny, nextTurn, NEW),
                    Generations.decode(local, new TokenSequence(nextTurn), NEW));
            local.close();
            restored.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = FakeBlockStore.Mode.class, names = {"DOWN", "WITHHOLDS", "WRONG_LAYOUT", "TRUNCATED",
            "FAILS_MIDWAY", "OVERCLAIMS"})
    void aMisbehavingStoreCostsRecomputationNeverWrongKv(FakeBlockStore.Mode mode) {
        FakeBlockStore store = new FakeBlockStore();
        int[] prompt = TestModels.tokens(PROMPT, 5);
        int[] nextTurn = concat(runAndClose(store, prompt), TestModels.tokens(9, 6));
        store.mode = mode;
        try (ServingEngine engine = new ServingEngine(tiny, settings().withPrefixCacheBytes(0), store,
                BatchListener.NONE)) {
            ServedSession session = open(engine, "default", nextTurn);
            int expectedCached = switch (mode) {
                case WITHHOLDS -> 16;
                case OVERCLAIMS -> 32; // only the two blocks it handed over
                default -> 0; // FAILS_MIDWAY: the blocks before the failure are not trusted either
            };
            assertEquals(expectedCached, session.cachedTokens(), mode.toString());
            assertArrayEquals(Generations.reference(tiny, nextTurn, NEW),
                    Generations.decode(session, new TokenSequence(nextTurn), NEW), mode.toString());
            session.close();
            if (mode == FakeBlockStore.Mode.DOWN || mode == FakeBlockStore.Mode.FAILS_MIDWAY) {
                assertTrue(engine.counters().storeFallbacks() > 0);
            }
            if (mode == FakeBlockStore.Mode.WRONG_LAYOUT || mode == FakeBlockStore.Mode.TRUNCATED) {
                assertTrue(engine.counters().rejectedBlocks() > 0);
            }
        }
    }

    @Test
    void anIdleSessionIsEvictedAndResumesWithTheSameTokens() {
        FakeBlockStore store = new FakeBlockStore();
        int[] prompt = TestModels.tokens(40, 7);
        EngineSettings idleFast = settings().withPrefixCacheBytes(0).withIdleEvictAfter(Duration.ofMillis(100));
        try (ServingEngine engine = new ServingEngine(tiny, idleFast, store, BatchListener.NONE)) {
            ServedSession session = open(engine, "default", prompt);
            TokenSequence committed = new TokenSequence(prompt);
            int[] before = Generations.decode(session, committed, 6);
            awaitTrue(() -> !session.hasKv(), "the idle session is evicted");
            assertEquals(0, engine.budget().reservedBytes(), "an evicted session holds no budget");
            // At least once: a machine stalled past the idle time between two rounds may evict it earlier too.
            assertTrue(engine.counters().evictions() >= 1);
            engine.awaitOffloads(Duration.ofSeconds(5));
            int[] after = Generations.decode(session, committed, 10);
            assertTrue(session.hasKv());
            assertTrue(engine.counters().restoredTokens() >= 32, "45 cached tokens = 2 blocks came back from the store");
            assertArrayEquals(Generations.reference(tiny, prompt, 16), concat(before, after));
            session.close();
            assertEquals(0, engine.budget().reservedBytes());
        }
    }

    @Test
    void atTheBudgetANewSessionWaitsThenIsRefusedUnlessAnIdleOneCanBeEvicted() {
        int[] prompt = TestModels.tokens(20, 8);
        long perSession = new KvFootprint(tiny).bytesFor(prompt.length + 64);
        EngineSettings twoFit = settings().withKvBudgetBytes(2 * perSession).withAdmissionWait(Duration.ofMillis(150))
                .withIdleEvictAfter(Duration.ofSeconds(30));
        try (ServingEngine engine = new ServingEngine(tiny, twoFit, BlockStore.NONE, BatchListener.NONE)) {
            ServedSession a = open(engine, "default", prompt);
            ServedSession b = open(engine, "default", prompt);
            long start = System.nanoTime();
            KvBudgetExhaustedException refused = assertThrows(KvBudgetExhaustedException.class,
                    () -> open(engine, "default", prompt));
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(150).toNanos(), "it waited first");
            assertTrue(refused.getMessage().contains("budget"), refused.getMessage());
            assertEquals(1, engine.counters().admissionRejections());
            assertThrows(KvBudgetExhaustedException.class,
                    () -> engine.open("default", prompt, SamplingParams.GREEDY, 1_000_000), "never fits: at once");
            a.close();
            ServedSession c = open(engine, "default", prompt);
            b.close();
            c.close();
        }
        EngineSettings evictable = twoFit.withIdleEvictAfter(Duration.ofMillis(50)).withAdmissionWait(Duration.ofSeconds(2));
        try (ServingEngine engine = new ServingEngine(tiny, evictable, BlockStore.NONE, BatchListener.NONE)) {
            ServedSession a = open(engine, "default", prompt);
            TokenSequence committed = new TokenSequence(prompt);
            int[] before = Generations.decode(a, committed, 3);
            ServedSession b = open(engine, "default", prompt);
            ServedSession c = open(engine, "default", prompt); // evicts a once it idled 50 ms
            assertFalse(a.hasKv());
            b.close();
            int[] after = Generations.decode(a, committed, 5); // recomputed from its tokens: no store, no cache hit
            assertArrayEquals(Generations.reference(tiny, prompt, 8), concat(before, after));
            a.close();
            c.close();
            assertEquals(0, engine.budget().reservedBytes());
        }
    }

    /**
     * A session's offload carries its generation's fence; a store that refuses it as stale costs the offload only:
     * counted as fenced, not a store failure (the breaker stays closed, the next offload goes out).
     */
    @Test
    void aFencedSessionOffloadsWithItsFenceAndARefusalIsNotAStoreFailure() {
        FakeBlockStore store = new FakeBlockStore();
        store.mode = FakeBlockStore.Mode.FENCED;
        WriteFence fence = new WriteFence("gen-1", 1);
        try (ServingEngine engine = new ServingEngine(tiny, settings().withPrefixCacheBytes(0), store,
                BatchListener.NONE)) {
            for (int i = 0; i < 6; i++) { // more refusals than the breaker's failure threshold (5)
                ServedSession stale = engine.open("default", fence, TestModels.tokens(PROMPT, 30 + i),
                        SamplingParams.GREEDY, 64);
                Generations.decode(stale, new TokenSequence(TestModels.tokens(PROMPT, 30 + i)), NEW);
                stale.close();
                assertTrue(engine.awaitOffloads(Duration.ofSeconds(5)));
            }
            assertTrue(store.fences.stream().allMatch(fence::equals), "every offload carried the fence");
            assertEquals(0, store.blocks.size(), "nothing of the stale generation was stored");
            assertTrue(engine.counters().offloadFencedBlocks() >= 24);
            assertEquals(0, engine.counters().storeFallbacks(), "a refusal is not a store failure");

            store.mode = FakeBlockStore.Mode.HONEST;
            ServedSession next = engine.open("default", new WriteFence("gen-2", 3), TestModels.tokens(PROMPT, 40),
                    SamplingParams.GREEDY, 64);
            Generations.decode(next, new TokenSequence(TestModels.tokens(PROMPT, 40)), NEW);
            next.close();
            assertTrue(engine.awaitOffloads(Duration.ofSeconds(5)));
            assertTrue(store.blocks.size() >= 4, "the breaker stayed closed: the next offload was stored");
            assertEquals(new WriteFence("gen-2", 3), store.fences.get(store.fences.size() - 1));
        }
    }

    /** Runs one session to completion in a fresh engine that offloads to {@code store}; returns its tokens. */
    private int[] runAndClose(FakeBlockStore store, int[] prompt) {
        try (ServingEngine engine = new ServingEngine(tiny, settings(), store, BatchListener.NONE)) {
            ServedSession session = open(engine, "default", prompt);
            TokenSequence committed = new TokenSequence(prompt);
            Generations.decode(session, committed, NEW);
            session.close();
            assertTrue(engine.awaitOffloads(Duration.ofSeconds(5)));
            assertTrue(engine.counters().offloadBlocks() >= 4, "blocks reached the store");
            return committed.toArray();
        }
    }

    private static ServedSession open(ServingEngine engine, String tenant, int[] prompt) {
        return engine.open(tenant, prompt, SamplingParams.GREEDY, 64);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}

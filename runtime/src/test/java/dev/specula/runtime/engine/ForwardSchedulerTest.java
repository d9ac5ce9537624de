package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.VerifierSession;
import dev.specula.runtime.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Continuous batching must not change a single greedy token, whatever the mix of sessions in a step. */
class ForwardSchedulerTest {
    private static final int NEW_TOKENS = 24;
    private final DecoderModel tiny = TestModels.tiny();

    @Test
    void concurrentSessionsThroughOneSchedulerDecodeExactlyAsAlone() throws Exception {
        int[] promptLengths = {5, 17, 40, 64, 100, 150, 203, 257};
        int[] draftLengths = {0, 1, 2, 3, 4, 5, 6, 8};
        AtomicInteger widestBatch = new AtomicInteger();
        AtomicInteger chunkedSteps = new AtomicInteger();
        // Small chunks and a token cap force chunked prefills interleaved with decode steps.
        SchedulerSettings settings = new SchedulerSettings(8, 96, 32);
        int threads = promptLengths.length;
        List<int[]> prompts = new ArrayList<>();
        List<int[]> expected = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            prompts.add(TestModels.tokens(promptLengths[i], 40 + i));
            expected.add(Generations.reference(tiny, prompts.get(i), NEW_TOKENS));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (ForwardScheduler scheduler = new ForwardScheduler(tiny, settings, (sessions, tokens, padded, nanos) -> {
            widestBatch.accumulateAndGet(sessions, Math::max);
            if (tokens >= 32) {
                chunkedSteps.incrementAndGet();
            }
        })) {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<int[]>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                results.add(pool.submit(() -> {
                    start.await();
                    try (VerifierSession verifier = VerifierSession.open(tiny, prompts.get(index), SamplingParams.GREEDY,
                            scheduler)) {
                        return Generations.run(verifier, new ScriptedDrafts(expected.get(index), 3 + index % 3),
                                prompts.get(index), draftLengths[index], NEW_TOKENS);
                    }
                }));
            }
            for (int i = 0; i < threads; i++) {
                assertArrayEquals(expected.get(i), results.get(i).get(60, TimeUnit.SECONDS),
                        "session " + i + " (prompt " + promptLengths[i] + ", k " + draftLengths[i] + ")");
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(widestBatch.get() > 1, "sessions were batched, widest step had " + widestBatch.get());
        assertTrue(chunkedSteps.get() > 0, "long prompts were prefilled in chunks");
    }

    @Test
    void aBadRequestFailsAloneAndLeavesItsCacheUnchanged() {
        try (ForwardScheduler scheduler = new ForwardScheduler(tiny, SchedulerSettings.defaults(), BatchListener.NONE);
             DecoderSession session = tiny.newSession()) {
            scheduler.forwardLast(session, TestModels.tokens(10, 1), 1);
            assertThrows(IllegalArgumentException.class,
                    () -> scheduler.forwardLast(session, new int[] {1, tiny.vocabSize()}, 1));
            assertThrows(IllegalArgumentException.class, () -> scheduler.forwardLast(session, new int[] {1}, 2));
            assertEquals(10, session.length());
            float[] logits = scheduler.forwardLast(session, new int[] {7, 8, 9}, 2);
            assertEquals(2 * tiny.vocabSize(), logits.length);
            assertEquals(13, session.length());
        }
    }

    @Test
    void aChunkedPrefillReturnsTheLogitsOfAnUnchunkedOne() {
        int[] prompt = TestModels.tokens(150, 9);
        try (ForwardScheduler scheduler = new ForwardScheduler(tiny, new SchedulerSettings(4, 64, 16),
                BatchListener.NONE);
             DecoderSession chunked = tiny.newSession();
             DecoderSession whole = tiny.newSession()) {
            float[] expected = whole.forwardLast(prompt, 5);
            float[] actual = scheduler.forwardLast(chunked, prompt, 5);
            assertEquals(150, chunked.length());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4, "logit " + i);
            }
        }
    }
}

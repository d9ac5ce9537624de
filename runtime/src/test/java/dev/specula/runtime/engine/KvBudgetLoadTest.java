package dev.specula.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.TestModels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * More sessions than the KV budget holds, all at once (RELIABILITY.md #4, #5): every session either completes
 * with exactly the greedy tokens or is refused with {@link KvBudgetExhaustedException} after its bounded wait,
 * nothing else happens, and KV memory never exceeds the budget.
 */
class KvBudgetLoadTest {
    private static final int CLIENTS = 12;
    private static final int SESSIONS_PER_CLIENT = 2;
    private static final int NEW = 16;
    private final DecoderModel tiny = TestModels.tiny();

    @Test
    void moreSessionsThanFitAllCompleteOrAreRefusedAndMemoryStaysWithinTheBudget() throws Exception {
        int[] prompt = TestModels.tokens(24, 11);
        int[] expected = Generations.reference(tiny, prompt, NEW);
        long budget = 3 * new KvFootprint(tiny).bytesFor(prompt.length + NEW);
        EngineSettings settings = EngineSettings.defaults().withKvBudgetBytes(budget)
                .withAdmissionWait(Duration.ofMillis(200));
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicLong worstReserved = new AtomicLong();
        AtomicLong worstHeld = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        try (ServingEngine engine = new ServingEngine(tiny, settings, BlockStore.NONE, BatchListener.NONE)) {
            pool.submit(() -> {
                while (running.get()) {
                    worstReserved.accumulateAndGet(engine.budget().reservedBytes(), Math::max);
                    worstHeld.accumulateAndGet(engine.kvBytesInUse(), Math::max);
                    Thread.onSpinWait();
                }
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(pool.submit(() -> {
                    for (int s = 0; s < SESSIONS_PER_CLIENT; s++) {
                        ServedSession session;
                        try {
                            session = engine.open("default", prompt, SamplingParams.GREEDY, NEW);
                        } catch (KvBudgetExhaustedException e) {
                            assertTrue(e.getMessage().contains("budget"), e.getMessage());
                            refused.incrementAndGet();
                            continue;
                        }
                        try {
                            assertArrayEquals(expected, Generations.decode(session, new TokenSequence(prompt), NEW));
                            completed.incrementAndGet();
                        } finally {
                            session.close();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get(60, TimeUnit.SECONDS); // rethrows any failure other than a refusal
            }
            running.set(false);
            assertEquals(CLIENTS * SESSIONS_PER_CLIENT, completed.get() + refused.get());
            assertTrue(completed.get() >= 3, completed.get() + " sessions completed");
            assertTrue(worstReserved.get() <= budget, "reserved " + worstReserved.get() + " of " + budget);
            assertTrue(worstHeld.get() <= budget, "KV held " + worstHeld.get() + " of " + budget);
            assertEquals(0, engine.budget().reservedBytes());
            assertEquals(0, engine.sessions());
            assertEquals(refused.get(), engine.counters().admissionRejections());
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }
}

package dev.specula.runtime.engine;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends exported blocks to the store on a background thread, off every request's path. The bytes waiting or
 * in flight are bounded: past the bound, new offloads are dropped (counted) rather than queued, so a slow or
 * dead store can never grow the heap.
 */
final class KvOffloader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(KvOffloader.class.getName());

    private final GuardedStore store;
    private final RecentKeys storedKeys;
    private final EngineCounters counters;
    private final long maxInFlightBytes;
    private final AtomicLong inFlight = new AtomicLong();
    private final ExecutorService executor;

    KvOffloader(GuardedStore store, RecentKeys storedKeys, EngineCounters counters, long maxInFlightBytes) {
        this.store = store;
        this.storedKeys = storedKeys;
        this.counters = counters;
        this.maxInFlightBytes = maxInFlightBytes;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "specula-kv-offload");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Queues the blocks for the store, or drops them if the in-flight bound would be exceeded. */
    void offload(String tenant, WriteFence fence, List<StoredBlock> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        long bytes = 0;
        for (StoredBlock block : blocks) {
            bytes += block.payload().length;
        }
        long total = inFlight.addAndGet(bytes);
        if (total > maxInFlightBytes) {
            inFlight.addAndGet(-bytes);
            counters.offloadDroppedBlocks.add(blocks.size());
            return;
        }
        long size = bytes;
        try {
            executor.execute(() -> send(tenant, fence, blocks, size));
        } catch (RuntimeException rejected) { // shut down
            inFlight.addAndGet(-bytes);
            counters.offloadDroppedBlocks.add(blocks.size());
        }
    }

    long inFlightBytes() {
        return inFlight.get();
    }

    /** Waits until everything queued so far was sent (tests, benchmarks, shutdown). */
    boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void send(String tenant, WriteFence fence, List<StoredBlock> blocks, long bytes) {
        try {
            if (store.put(tenant, fence, blocks)) {
                for (StoredBlock block : blocks) {
                    storedKeys.add(block.key());
                }
                counters.offloadBytes.add(bytes);
                counters.offloadBlocks.add(blocks.size());
            } else {
                counters.offloadDroppedBlocks.add(blocks.size());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "KV offload failed", e);
            counters.offloadDroppedBlocks.add(blocks.size());
        } finally {
            inFlight.addAndGet(-bytes);
        }
    }
}

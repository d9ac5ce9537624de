package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.BatchStaging;
import dev.specula.runtime.decoder.BatchedForward;
import dev.specula.runtime.decoder.ContextOverflowException;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.ForwardExecutor;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: one step at a time owns the model; sessions submit forward work (session, tokens) and
 * wait, and each step takes whatever is ready — in arrival order, within {@link SchedulerSettings} — and runs it as ONE
 * model call through {@link BatchedForward} (padding + attention masks), then hands each session its logits.
 * Nobody waits for a batch to fill: a step starts as soon as the previous one ends, and requests that arrived
 * meanwhile form the next batch. A submitter that finds no step running runs the step itself (a lone session
 * pays no thread hand-off); otherwise the scheduler thread runs the next step when the current one ends.
 *
 * <p>A feed longer than the prefill chunk runs one chunk per step and goes to the back of the queue in between,
 * so a long prompt delays decoders by one chunk, not by its whole prefill. A work item whose batch fails is
 * retried alone, so one bad request fails only itself; a failed item's cache is rolled back to where it started
 * (forwards stay all-or-nothing).
 *
 * <p>Greedy outputs equal unbatched decoding token for token: the batched forward computes each session's
 * logits exactly as its own forward would, up to float rounding in differently shaped kernels (see the test).
 */
public final class ForwardScheduler implements ForwardExecutor, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ForwardScheduler.class.getName());

    private final DecoderModel model;
    private final SchedulerSettings settings;
    private final BatchListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final ArrayDeque<ForwardWork> queue = new ArrayDeque<>();
    /** Reused by every batched step (steps never overlap). */
    private final BatchStaging staging;
    private final Thread thread;
    private volatile boolean running = true;
    /** A step is running (on the scheduler thread or a submitter's); guarded by {@link #lock}. */
    private boolean stepping;
    /** Per calling thread: sessions in the step that finished its last forward (what a verdict reports as load). */
    private final ThreadLocal<Integer> lastBatchSize = ThreadLocal.withInitial(() -> 1);

    public ForwardScheduler(DecoderModel model, SchedulerSettings settings, BatchListener listener) {
        this.model = model;
        this.settings = settings;
        this.listener = listener;
        this.staging = new BatchStaging(settings.stagingRetainBytes());
        this.thread = new Thread(this::loop, "specula-forward-scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues the forward and waits for it. Input is checked here, on the caller's thread, so a bad request never
     * reaches (and never fails) a shared batch.
     */
    @Override
    public float[] forwardLast(DecoderSession session, int[] tokens, int rows) {
        if (session.model() != model) {
            throw new IllegalArgumentException("session of " + session.model().folder() + " sent to the scheduler of "
                    + model.folder());
        }
        if (tokens.length == 0 || rows < 1 || rows > tokens.length) {
            throw new IllegalArgumentException("need 1 <= rows <= tokens, got " + rows + " rows of " + tokens.length
                    + " tokens");
        }
        int vocab = model.vocabSize();
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new IllegalArgumentException("token id " + tokens[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ") of " + model.folder());
            }
        }
        if (session.length() + tokens.length > model.maxPositions()) {
            throw new ContextOverflowException(session.length(), tokens.length, model.maxPositions());
        }
        ForwardWork work = new ForwardWork(session, tokens, rows);
        List<ForwardWork> batch = null;
        lock.lock();
        try {
            if (!running) {
                throw new IllegalStateException("the forward scheduler is shut down");
            }
            queue.addLast(work);
            if (stepping) {
                ready.signal();
            } else {
                // Nobody is stepping: run the step on this thread instead of waking the scheduler thread and
                // waiting to be woken in turn (two thread hand-offs per round, a large share of a round on a
                // busy machine). Steps still never overlap, and what queues meanwhile forms the next batch.
                stepping = true;
                batch = take();
            }
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            runStep(batch);
        }
        float[] logits = work.await();
        lastBatchSize.set(work.batchSize);
        return logits;
    }

    /**
     * Sessions whose tokens shared the model call that completed the calling thread's most recent forward (its
     * last chunk, for a chunked feed); 1 when it ran alone or before any forward.
     */
    public int lastBatchSize() {
        return lastBatchSize.get();
    }

    /** Direct memory the batched steps keep for reuse (the largest batch's padded KV and logits). */
    public long stagingBytes() {
        return staging.retainedBytes();
    }

    /** Work items waiting for a step (a chunked prefill counts until its last chunk ran). */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public SchedulerSettings settings() {
        return settings;
    }

    /** Stops the thread; queued and later requests fail with IllegalStateException. */
    @Override
    public void close() {
        lock.lock();
        try {
            running = false;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            for (ForwardWork work : queue) {
                work.result.completeExceptionally(new IllegalStateException("the forward scheduler is shut down"));
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        while (true) {
            List<ForwardWork> batch;
            lock.lock();
            try {
                while (running && (queue.isEmpty() || stepping)) {
                    ready.awaitUninterruptibly();
                }
                if (!running) {
                    return;
                }
                stepping = true;
                batch = take();
            } finally {
                lock.unlock();
            }
            runStep(batch);
        }
    }

    /** One step on the calling thread (the scheduler's or a submitter's); then the next stepper is woken. */
    private void runStep(List<ForwardWork> batch) {
        try {
            try {
                step(batch);
            } catch (Throwable t) {
                // Never let the model thread die with sessions waiting on it (e.g. an OutOfMemoryError in staging).
                LOG.log(Level.ERROR, "forward scheduler step failed", t);
                lock.lock();
                try {
                    queue.removeIf(batch::contains);
                } finally {
                    lock.unlock();
                }
                for (ForwardWork work : batch) {
                    fail(work, t instanceof RuntimeException r ? r : new IllegalStateException("forward failed", t));
                }
            }
        } finally {
            lock.lock();
            try {
                stepping = false;
                if (!queue.isEmpty()) {
                    ready.signal();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The next batch, in arrival order: the oldest item always, then any that fit the limits. Lock held. */
    private List<ForwardWork> take() {
        int chunk = settings.prefillChunkTokens();
        List<ForwardWork> batch = new ArrayList<>();
        Set<DecoderSession> sessions = Collections.newSetFromMap(new IdentityHashMap<>());
        ForwardWork first = queue.pollFirst();
        batch.add(first);
        sessions.add(first.session);
        int widest = first.nextChunk(chunk);
        Iterator<ForwardWork> it = queue.iterator();
        while (it.hasNext() && batch.size() < settings.maxBatchSessions()) {
            ForwardWork work = it.next();
            int width = Math.max(widest, work.nextChunk(chunk));
            if ((long) (batch.size() + 1) * width > settings.maxBatchTokens() || sessions.contains(work.session)) {
                continue;
            }
            it.remove();
            batch.add(work);
            sessions.add(work.session);
            widest = width;
        }
        return batch;
    }

    private void step(List<ForwardWork> batch) {
        int chunk = settings.prefillChunkTokens();
        long start = System.nanoTime();
        int[] widths = new int[batch.size()];
        int tokens = 0;
        int widest = 0;
        for (int b = 0; b < batch.size(); b++) {
            widths[b] = batch.get(b).nextChunk(chunk);
            tokens += widths[b];
            widest = Math.max(widest, widths[b]);
        }
        if (batch.size() == 1) {
            runAlone(batch.get(0), widths[0]);
        } else {
            runBatched(batch, widths);
        }
        try {
            listener.onStep(batch.size(), tokens, batch.size() * widest, System.nanoTime() - start);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "batch listener failed", e);
        }
    }

    private void runBatched(List<ForwardWork> batch, int[] widths) {
        List<DecoderSession> sessions = new ArrayList<>(batch.size());
        List<int[]> chunks = new ArrayList<>(batch.size());
        for (int b = 0; b < batch.size(); b++) {
            ForwardWork work = batch.get(b);
            sessions.add(work.session);
            chunks.add(Arrays.copyOfRange(work.tokens, work.offset, work.offset + widths[b]));
        }
        List<float[]> logits;
        try {
            logits = BatchedForward.forward(sessions, chunks, staging);
        } catch (RuntimeException e) {
            // The batched call changes no cache when it fails: isolate the culprit by running each alone.
            LOG.log(Level.WARNING, "batched forward of {0} sessions failed ({1}); retrying them one by one",
                    batch.size(), e.toString());
            for (int b = 0; b < batch.size(); b++) {
                runAlone(batch.get(b), widths[b]);
            }
            return;
        }
        int vocab = model.vocabSize();
        for (int b = 0; b < batch.size(); b++) {
            ForwardWork work = batch.get(b);
            if (work.isFinal(widths[b])) {
                work.batchSize = batch.size();
                float[] all = logits.get(b);
                work.result.complete(Arrays.copyOfRange(all, (widths[b] - work.rows) * vocab, widths[b] * vocab));
            } else {
                requeue(work, widths[b]);
            }
        }
    }

    /** The unbatched path, exactly what {@link ForwardExecutor#DIRECT} does for an unchunked feed. */
    private void runAlone(ForwardWork work, int width) {
        boolean last = work.isFinal(width);
        try {
            int[] chunk = work.offset == 0 && last ? work.tokens
                    : Arrays.copyOfRange(work.tokens, work.offset, work.offset + width);
            float[] logits = work.session.forwardLast(chunk, last ? work.rows : 1);
            if (last) {
                work.batchSize = 1;
                work.result.complete(logits);
            } else {
                requeue(work, width);
            }
        } catch (RuntimeException e) {
            fail(work, e);
        }
    }

    private void requeue(ForwardWork work, int width) {
        work.offset += width;
        lock.lock();
        try {
            if (running) {
                queue.addLast(work);
                return;
            }
        } finally {
            lock.unlock();
        }
        fail(work, new IllegalStateException("the forward scheduler is shut down"));
    }

    /** All-or-nothing across chunks: the cache goes back to its length before the request. */
    private static void fail(ForwardWork work, RuntimeException error) {
        if (work.result.isDone()) {
            return; // already handed back: its session belongs to its owner again
        }
        try {
            if (work.session.length() > work.startLength) {
                work.session.truncate(work.startLength);
            }
        } catch (RuntimeException rollback) {
            error.addSuppressed(rollback);
        }
        work.result.completeExceptionally(error);
    }
}

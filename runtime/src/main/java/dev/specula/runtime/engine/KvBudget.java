package dev.specula.runtime.engine;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * KV memory as a budget in bytes, not a hope: a session reserves its worst-case footprint before any KV is
 * allocated and releases it when its cache is freed, so the sum of live caches never exceeds the budget and the
 * process cannot run out of direct memory because of KV (RELIABILITY.md #4, #5).
 *
 * <p>A reservation that does not fit first asks the {@link RoomMaker} to evict idle sessions, then waits in FIFO
 * order (a big request is not starved by a stream of small ones) up to its deadline, then fails with
 * {@link KvBudgetExhaustedException}.
 */
public final class KvBudget {
    private final long budgetBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> waiters = new ArrayDeque<>();
    private volatile RoomMaker roomMaker = RoomMaker.NONE;
    private long reserved;

    public KvBudget(long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("the KV budget must be > 0 bytes, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    void roomMaker(RoomMaker maker) {
        this.roomMaker = maker;
    }

    /**
     * Reserves {@code bytes}, waiting at most {@code maxWait}.
     *
     * @param what the request, for the failure message
     * @throws KvBudgetExhaustedException if it cannot fit in time (at once if it can never fit)
     */
    public void reserve(long bytes, Duration maxWait, String what) {
        if (bytes > budgetBytes) {
            throw new KvBudgetExhaustedException(what + " needs " + bytes + " bytes of KV, more than the verifier's "
                    + "whole budget of " + budgetBytes + " bytes (specula.verifier.kv-budget-bytes); ask for fewer tokens");
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        Object ticket = new Object();
        boolean askedForRoom = false;
        lock.lock();
        try {
            waiters.addLast(ticket);
            while (true) {
                if (waiters.peekFirst() == ticket && reserved + bytes <= budgetBytes) {
                    waiters.removeFirst();
                    reserved += bytes;
                    changed.signalAll();
                    return;
                }
                if (waiters.peekFirst() == ticket && !askedForRoom) {
                    // Evictions release through release(), which takes this lock: ask without holding it.
                    askedForRoom = true;
                    long missing = reserved + bytes - budgetBytes;
                    lock.unlock();
                    try {
                        roomMaker.makeRoom(missing);
                    } finally {
                        lock.lock();
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    waiters.remove(ticket);
                    changed.signalAll();
                    throw new KvBudgetExhaustedException(what + " needs " + bytes + " bytes of KV but " + reserved
                            + " of the " + budgetBytes + "-byte budget are reserved by running sessions; waited "
                            + maxWait.toMillis() + " ms for room. Retry later or lower max_tokens");
                }
                // Re-poll now and then: an idle session may have become evictable since the last attempt.
                changed.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
                if (waiters.peekFirst() == ticket && reserved + bytes > budgetBytes) {
                    askedForRoom = false;
                }
            }
        } catch (InterruptedException e) {
            waiters.remove(ticket);
            changed.signalAll();
            Thread.currentThread().interrupt();
            throw new KvBudgetExhaustedException(what + ": interrupted while waiting for KV memory");
        } finally {
            lock.unlock();
        }
    }

    public void release(long bytes) {
        lock.lock();
        try {
            if (bytes > reserved) {
                throw new IllegalStateException("releasing " + bytes + " KV bytes, only " + reserved + " reserved");
            }
            reserved -= bytes;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public long reservedBytes() {
        lock.lock();
        try {
            return reserved;
        } finally {
            lock.unlock();
        }
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Requests waiting for room. */
    public int waiting() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }
}

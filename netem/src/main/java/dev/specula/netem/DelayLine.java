package dev.specula.netem;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of one direction that were read but not yet written: a FIFO of (deliverAt, bytes). FIFO rather than
 * ordered by deadline, so lowering the delay at runtime can never reorder the stream. Bytes count against the cap
 * until the writer has actually written them, which keeps memory bounded even while the sink is slow.
 */
final class DelayLine {

    /** A chunk of the stream, or the end of it ({@code bytes == null}), due at {@code deliverAtNanos}. */
    record Chunk(long deliverAtNanos, byte[] bytes) {
        boolean endOfStream() {
            return bytes == null;
        }
    }

    private final long capBytes;
    private final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition belowCap = lock.newCondition();
    private long queuedBytes;
    private boolean closed;

    DelayLine(long capBytes) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("capBytes must be > 0: " + capBytes);
        }
        this.capBytes = capBytes;
    }

    /**
     * Blocks the reader while the line is full. Waiting before the read (not after) is what turns a full line into
     * TCP backpressure: the unread bytes stay in the kernel and the sender's window closes.
     */
    void awaitCapacity() throws InterruptedException {
        lock.lock();
        try {
            while (queuedBytes >= capBytes && !closed) {
                belowCap.await();
            }
        } finally {
            lock.unlock();
        }
    }

    void put(Chunk chunk) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            chunks.addLast(chunk);
            if (!chunk.endOfStream()) {
                queuedBytes += chunk.bytes().length;
            }
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The oldest chunk, waiting for one if needed; null once closed. Its deadline is the caller's to honour. */
    Chunk take() throws InterruptedException {
        lock.lock();
        try {
            while (chunks.isEmpty() && !closed) {
                notEmpty.await();
            }
            return closed ? null : chunks.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /** Called by the writer once bytes are on the wire. */
    void release(int bytes) {
        lock.lock();
        try {
            queuedBytes -= bytes;
            belowCap.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long queuedBytes() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Drops what is queued and wakes both ends, so a cut or close never waits for the delay to elapse. */
    void close() {
        lock.lock();
        try {
            closed = true;
            chunks.clear();
            queuedBytes = 0;
            notEmpty.signalAll();
            belowCap.signalAll();
        } finally {
            lock.unlock();
        }
    }
}

package dev.specula.runtime.decoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The direct buffers a batched forward stages its inputs and outputs in, kept from one call to the next.
 *
 * <p>A batch's padded past and present KV are tens of megabytes at 16 sessions. Allocating them per call meant
 * zeroing that memory and leaving it to the garbage collector, and cost more than the model call itself; a
 * scheduler whose steps never overlap keeps one staging and reuses it. Buffers only grow, to the largest batch
 * seen, and never past the retention limit: a batch that needs more gets buffers of its own for that call only, as
 * every batch did before ({@link #retainedBytes()} reports what is held).
 *
 * <p>Not thread-safe: one batched forward at a time per staging.
 */
public final class BatchStaging {
    private final long retainBytes;
    /** Volatile for {@link #retainedBytes()}, which metrics call from other threads. */
    private volatile ByteBuffer[] buffers = new ByteBuffer[0];
    /** All zero, never written: the source pads are cleared from. */
    private volatile ByteBuffer zeros = ByteBuffer.allocateDirect(0);

    /** A staging that keeps whatever it allocates (for one-off batches and tests). */
    public BatchStaging() {
        this(Long.MAX_VALUE);
    }

    /** @param retainBytes the most direct memory kept between calls (the pad source of zeros aside) */
    public BatchStaging(long retainBytes) {
        if (retainBytes < 0) {
            throw new IllegalArgumentException("retained staging bytes must be >= 0, got " + retainBytes);
        }
        this.retainBytes = retainBytes;
    }

    /** Bytes of direct memory held for reuse; safe to call from any thread. */
    public long retainedBytes() {
        return kept(buffers) + zeros.capacity();
    }

    /** Bytes held in staging buffers proper (the retention limit's measure: the zeros are not counted). */
    long keptBytes() {
        return kept(buffers);
    }

    private static long kept(ByteBuffer[] buffers) {
        long total = 0;
        for (ByteBuffer buffer : buffers) {
            total += buffer == null ? 0 : buffer.capacity();
        }
        return total;
    }

    /** Test hook: fills every held buffer (the zeros excepted) with {@code value}, as stale bytes of earlier batches. */
    void scribble(float value) {
        for (ByteBuffer buffer : buffers) {
            if (buffer != null) {
                for (int at = 0; at + Float.BYTES <= buffer.capacity(); at += Float.BYTES) {
                    buffer.putFloat(at, value);
                }
            }
        }
    }

    /** At least {@code bytes} zero bytes, read-only by contract (bulk-copied from to clear pads). */
    ByteBuffer zeros(int bytes) {
        if (zeros.capacity() < bytes) {
            zeros = ByteBuffer.allocateDirect(bytes + bytes / 4);
        }
        return zeros;
    }

    /**
     * A native-order view of exactly {@code bytes} bytes of buffer {@code index}, grown when too small. Its
     * content is whatever the last call left there: callers write every byte a model reads unmasked, and keep
     * masked bytes finite (a stale NaN would poison a masked attention score).
     */
    ByteBuffer view(int index, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch buffer of " + bytes + " bytes exceeds 2 GiB; split the batch");
        }
        ByteBuffer[] held = buffers;
        ByteBuffer buffer = index < held.length ? held[index] : null;
        if (buffer == null || buffer.capacity() < bytes) {
            // Headroom: the next batch is often a few tokens longer (every session's past grew).
            long grown = Math.min(Integer.MAX_VALUE, bytes + bytes / 4);
            long keptElsewhere = kept(held) - (buffer == null ? 0 : buffer.capacity());
            if (keptElsewhere + grown > retainBytes) {
                return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder()); // this call's only
            }
            buffer = ByteBuffer.allocateDirect((int) grown).order(ByteOrder.nativeOrder());
            ByteBuffer[] next = Arrays.copyOf(held, Math.max(held.length, index + 1));
            next[index] = buffer;
            buffers = next;
        }
        return buffer.slice(0, (int) bytes).order(ByteOrder.nativeOrder());
    }
}

package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One sequence's KV cache in Java-owned direct memory, double-buffered.
 *
 * <p>There are {@code 2 * layers} slots (slot {@code 2l} = keys of layer l, {@code 2l+1} = values). Each slot
 * holds [kvHeads][length][headDim] contiguously — exactly the memory of a [1, H, length, D] tensor — so the
 * cache is fed to the graph as {@code past_key_values.*} without copying. Each slot has two buffers: the
 * model writes {@code present.*} (past + new) straight into the spare one (ORT "pinned outputs"), which then
 * becomes current. A decoding step therefore costs no Java-side copy and no allocation once capacity has
 * grown; imports re-lay rows into the spare buffer because the row stride changes with length, and truncation
 * moves rows down in place.
 */
final class KvCache implements AutoCloseable {
    private static final int MIN_CAPACITY = 64;

    private final OrtEnvironment env;
    private final int slots;
    private final int kvHeads;
    private final int headDim;
    private final KvDType dtype;
    private final int rowBytes;
    private final int maxTokens;
    private final int growthCap;
    private ByteBuffer[] current;
    private ByteBuffer[] spare;
    private int currentCapacity;
    private int spareCapacity;
    private OnnxTensor[] pastTensors;
    private int length;

    /** @param growthCap geometric growth stops here; a longer need is met exactly (see {@link #ensureSpare}) */
    KvCache(OrtEnvironment env, GraphSignature signature, int maxTokens, int growthCap) {
        this.env = env;
        this.slots = 2 * signature.layers();
        this.kvHeads = signature.kvHeads();
        this.headDim = signature.headDim();
        this.dtype = signature.kvType();
        this.rowBytes = headDim * dtype.bytes;
        this.maxTokens = maxTokens;
        this.growthCap = growthCap;
        this.current = allocate(0);
        this.spare = allocate(0);
    }

    int length() {
        return length;
    }

    int slots() {
        return slots;
    }

    int kvHeads() {
        return kvHeads;
    }

    /** Bytes of one head's vector for one token. */
    int rowBytes() {
        return rowBytes;
    }

    /** Bytes of the live cache (length tokens). */
    long liveBytes() {
        return (long) slots * kvHeads * length * rowBytes;
    }

    /** Bytes of direct memory held (both buffers at capacity). */
    long capacityBytes() {
        return (long) slots * kvHeads * ((long) currentCapacity + spareCapacity) * rowBytes;
    }

    /** Current buffer of a slot: [kvHeads][length][headDim]; row (h, t) starts at {@link #offset}. */
    ByteBuffer slot(int slot) {
        return current[slot];
    }

    int offset(int head, int token) {
        return (head * length + token) * rowBytes;
    }

    /** The cached KV as {@code past_key_values} inputs [1, H, length, D]; views, created once per length. */
    OnnxTensor[] pastTensors() throws OrtException {
        if (pastTensors == null) {
            pastTensors = tensors(current, length);
        }
        return pastTensors;
    }

    /** Tensors over the spare buffers, shaped [1, H, newLength, D], to receive {@code present.*}. */
    OnnxTensor[] presentTensors(int newLength) throws OrtException {
        ensureSpare(newLength);
        return tensors(spare, newLength);
    }

    /** After a successful run wrote {@code presents}: they become the cache. */
    void commit(OnnxTensor[] presents, int newLength) {
        closeAll(pastTensors);
        swap();
        pastTensors = presents;
        length = newLength;
    }

    /**
     * Room for tokens [length, newLength) in the current buffers, keeping the cached rows where they are read: head
     * h's rows move up to its offset for the longer length, highest head first, so no row is overwritten before it
     * has moved (a head's own old and new rows may overlap; the buffer copy is a memmove), and head 0 does not move.
     * The caller then writes the new rows at {@link #offset}{@code (h, t)} before anything reads the cache. A batched
     * step thus copies only its new rows and 1 − 1/kvHeads of the past, instead of re-laying all of it.
     *
     * @return the current buffers, or null when they cannot hold {@code newLength} tokens (use {@link #beginRewrite})
     */
    ByteBuffer[] appendInPlace(int newLength) {
        if (newLength < length) {
            throw new IllegalArgumentException("cannot append down from " + length + " to " + newLength + " tokens");
        }
        if (newLength > currentCapacity) {
            return null;
        }
        int old = length * rowBytes;
        int grown = newLength * rowBytes;
        for (int s = 0; s < slots; s++) {
            for (int h = kvHeads - 1; h >= 1; h--) {
                current[s].put(h * grown, current[s], h * old, old);
            }
        }
        closeAll(pastTensors);
        pastTensors = null;
        length = newLength;
        return current;
    }

    /** Spare buffers, sized for {@code newLength} tokens, to be filled by the caller then {@link #endRewrite}. */
    ByteBuffer[] beginRewrite(int newLength) {
        ensureSpare(newLength);
        return spare;
    }

    void endRewrite(int newLength) {
        closeAll(pastTensors);
        pastTensors = null;
        swap();
        length = newLength;
    }

    /**
     * Keeps tokens [0, newLength) in place. The head stride shrinks, so heads 1.. move down to their new offsets;
     * head 0 stays put. Moving heads in ascending order, each to a lower address, never overwrites rows still to
     * be moved (a forward copy is exact even where a head's old and new rows overlap), so a rollback copies
     * (kvHeads - 1) / kvHeads of the kept cache and touches neither the spare buffer nor its allocation.
     */
    void truncate(int newLength) {
        if (newLength == length) {
            return;
        }
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate " + length + " tokens to " + newLength);
        }
        int bytes = newLength * rowBytes;
        for (int s = 0; s < slots; s++) {
            for (int h = 1; h < kvHeads; h++) {
                current[s].put(h * bytes, current[s], offset(h, 0), bytes);
            }
        }
        closeAll(pastTensors);
        pastTensors = null;
        length = newLength;
    }

    @Override
    public void close() {
        closeAll(pastTensors);
        pastTensors = null;
        current = allocate(0);
        spare = allocate(0);
        currentCapacity = spareCapacity = length = 0;
    }

    static void closeAll(OnnxTensor[] tensors) {
        if (tensors != null) {
            for (OnnxTensor tensor : tensors) {
                if (tensor != null) {
                    tensor.close();
                }
            }
        }
    }

    private OnnxTensor[] tensors(ByteBuffer[] buffers, int tokens) throws OrtException {
        long[] shape = {1, kvHeads, tokens, headDim};
        int bytes = kvHeads * tokens * rowBytes;
        OnnxTensor[] tensors = new OnnxTensor[slots];
        try {
            for (int s = 0; s < slots; s++) {
                ByteBuffer view = buffers[s].slice(0, bytes).order(ByteOrder.nativeOrder());
                tensors[s] = OnnxTensor.createTensor(env, view, shape, dtype.javaType);
            }
            return tensors;
        } catch (OrtException | RuntimeException e) {
            closeAll(tensors);
            throw e;
        }
    }

    private void ensureSpare(int tokens) {
        if (tokens > maxTokens) {
            throw new ContextOverflowException(length, tokens - length, maxTokens);
        }
        if (spareCapacity >= tokens) {
            return;
        }
        // Grow geometrically so a growing sequence re-allocates O(log n) times, but not past what the session is
        // expected to hold, and never beyond the context size.
        int grown = Math.max(MIN_CAPACITY, 2 * Math.max(spareCapacity, currentCapacity));
        int capacity = Math.min(Math.max(tokens, Math.min(grown, growthCap)), maxTokens);
        spare = allocate(capacity);
        spareCapacity = capacity;
    }

    private void swap() {
        ByteBuffer[] buffers = current;
        current = spare;
        spare = buffers;
        int capacity = currentCapacity;
        currentCapacity = spareCapacity;
        spareCapacity = capacity;
    }

    private ByteBuffer[] allocate(int tokens) {
        ByteBuffer[] buffers = new ByteBuffer[slots];
        long bytes = (long) kvHeads * tokens * rowBytes;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("a KV slot of " + bytes + " bytes exceeds 2 GiB; lower the context size");
        }
        for (int s = 0; s < slots; s++) {
            buffers[s] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        }
        return buffers;
    }
}

package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * One sequence's state in a {@link DecoderModel}: the KV cache of the tokens fed so far. Positions are
 * implicit: the token fed at KV index t has position t. Not thread-safe; one caller at a time.
 *
 * <p>Every mutating call is all-or-nothing: bad input ({@link IllegalArgumentException},
 * {@link ContextOverflowException}) is rejected before any native call, and a failed model run
 * ({@link InferenceException}) leaves the cache as it was.
 */
public final class DecoderSession implements AutoCloseable {
    /** Prefill logits kept in memory at once by {@link #forwardLast}; longer prompts are fed in chunks. */
    private static final long MAX_LOGITS_BYTES = 64L << 20;

    private final DecoderModel model;
    private final GraphSignature signature;
    private final KvCache kv;
    private final StepBuffers step;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();
    private boolean closed;

    DecoderSession(DecoderModel model, int growthCap) {
        this.model = model;
        this.signature = model.signature();
        this.kv = new KvCache(model.env(), signature, model.maxPositions(), growthCap);
        this.step = new StepBuffers(model.env(), signature.vocabSize(), signature.logitsType());
    }

    /**
     * Feeds {@code tokens} after the cached ones in ONE model call and returns the logits of every position:
     * row i (values {@code [i*V, (i+1)*V)}) predicts the token after {@code tokens[i]}. This is the
     * verification primitive: k drafts plus the pending token are scored together.
     *
     * @return flat [tokens.length * vocab] logits
     */
    public float[] forward(int[] tokens) {
        return forward(tokens, 0, tokens.length);
    }

    /** {@link #forward(int[])} of {@code tokens[from, to)}. */
    public float[] forward(int[] tokens, int from, int to) {
        int n = to - from;
        checkInput(tokens, from, to);
        if ((long) n * signature.vocabSize() * signature.logitsType().bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " rows of logits exceed 2 GiB; use forwardLast for long prefills");
        }
        float[] logits = new float[n * signature.vocabSize()];
        run(tokens, from, to, 0, n, logits);
        return logits;
    }

    /**
     * Feeds {@code tokens} and returns only the logits of the last {@code rows} positions (flat
     * [rows * vocab]). Long inputs are fed in chunks so a prefill never holds more than ~64 MB of logits; the
     * result equals the last rows of {@link #forward(int[])}.
     */
    public float[] forwardLast(int[] tokens, int rows) {
        if (rows < 1 || rows > tokens.length) {
            throw new IllegalArgumentException("rows must be in [1, " + tokens.length + "], got " + rows);
        }
        checkInput(tokens, 0, tokens.length);
        int vocab = signature.vocabSize();
        int maxChunk = (int) Math.max(rows, Math.min(tokens.length, MAX_LOGITS_BYTES / (4L * vocab)));
        int start = kv.length();
        int position = 0;
        try {
            while (tokens.length - position > maxChunk) {
                int chunk = Math.min(maxChunk, tokens.length - position - rows);
                run(tokens, position, position + chunk, 0, 0, null);
                position += chunk;
            }
            float[] logits = new float[rows * vocab];
            run(tokens, position, tokens.length, tokens.length - position - rows, rows, logits);
            return logits;
        } catch (RuntimeException e) {
            kv.truncate(start); // all-or-nothing across chunks
            throw e;
        }
    }

    /** Tokens in the KV cache. */
    public int length() {
        return kv.length();
    }

    /**
     * Keeps the first {@code length} tokens and forgets the rest (rollback after a rejected draft; KV axis 2).
     */
    public void truncate(int length) {
        ensureOpen();
        if (length < 0 || length > kv.length()) {
            throw new IllegalArgumentException("cannot truncate to " + length + ": the session holds " + kv.length()
                    + " tokens");
        }
        kv.truncate(length);
    }

    /** Bytes of the live KV cache (length × layers × 2 × kvHeads × headDim × dtype bytes). */
    public long kvBytes() {
        return kv.liveBytes();
    }

    /** Bytes of direct memory this session holds for KV (double buffer at capacity); what admission control budgets. */
    public long kvCapacityBytes() {
        return kv.capacityBytes();
    }

    public DecoderModel model() {
        return model;
    }

    /**
     * The KV of tokens [start, end) of all layers as one block in the {@link KvBlockLayout} format (a heap
     * buffer, little-endian, position 0).
     */
    public ByteBuffer exportKv(int start, int end) {
        ensureOpen();
        if (start < 0 || start > end || end > kv.length()) {
            throw new IllegalArgumentException("cannot export [" + start + ", " + end + "): the session holds "
                    + kv.length() + " tokens");
        }
        requireLittleEndian();
        int tokens = end - start;
        KvBlockLayout.Header header = new KvBlockLayout.Header(signature.kvType(), signature.layers(),
                signature.kvHeads(), signature.headDim(), tokens);
        ByteBuffer block = ByteBuffer.allocate(Math.toIntExact(header.blockBytes())).order(ByteOrder.LITTLE_ENDIAN);
        KvBlockLayout.writeHeader(block, header);
        int bytes = tokens * kv.rowBytes();
        int at = KvBlockLayout.HEADER_BYTES;
        for (int s = 0; s < kv.slots(); s++) {
            for (int h = 0; h < kv.kvHeads(); h++) {
                block.put(at, kv.slot(s), kv.offset(h, start), bytes);
                at += bytes;
            }
        }
        return block;
    }

    /**
     * Sets the KV of tokens [start, start + block tokens) from a block made by {@link #exportKv} (of this model,
     * at the same start position). Tokens from {@code start} on are replaced; {@code start == length()} appends.
     * Reads from the block's position without moving it.
     */
    public void importKv(int start, ByteBuffer block) {
        ensureOpen();
        importKv(start, block, KvBlockLayout.readHeader(block).tokens());
    }

    /**
     * {@link #importKv(int, ByteBuffer)} of the block's first {@code tokens} tokens only: a restore lays blocks out
     * for the prefix it asked for and imports the part that arrived, without re-laying it into a smaller block.
     */
    public void importKv(int start, ByteBuffer block, int tokens) {
        ensureOpen();
        requireLittleEndian();
        KvBlockLayout.Header header = KvBlockLayout.readHeader(block);
        if (header.dtype() != signature.kvType() || header.layers() != signature.layers()
                || header.kvHeads() != signature.kvHeads() || header.headDim() != signature.headDim()) {
            throw new IllegalArgumentException("KV block " + header + " does not fit " + model.folder() + " (dtype "
                    + signature.kvType() + ", layers " + signature.layers() + ", kvHeads " + signature.kvHeads()
                    + ", headDim " + signature.headDim() + ")");
        }
        if (tokens < 0 || tokens > header.tokens()) {
            throw new IllegalArgumentException("cannot import " + tokens + " tokens of a block of " + header.tokens());
        }
        if (start < 0 || start > kv.length()) {
            throw new IllegalArgumentException("cannot import at " + start + ": the session holds " + kv.length()
                    + " tokens, so a block must start within [0, " + kv.length() + "]");
        }
        if (start + tokens > model.maxPositions()) {
            throw new ContextOverflowException(start, tokens, model.maxPositions());
        }
        int newLength = start + tokens;
        ByteBuffer source = block.slice();
        ByteBuffer[] target = kv.beginRewrite(newLength);
        int rowBytes = kv.rowBytes();
        int keptBytes = start * rowBytes;
        int importedBytes = tokens * rowBytes;
        int runBytes = header.tokens() * rowBytes;
        int at = KvBlockLayout.HEADER_BYTES;
        for (int s = 0; s < kv.slots(); s++) {
            for (int h = 0; h < kv.kvHeads(); h++) {
                int base = h * newLength * rowBytes;
                target[s].put(base, kv.slot(s), kv.offset(h, 0), keptBytes);
                target[s].put(base + keptBytes, source, at, importedBytes);
                at += runBytes;
            }
        }
        kv.endRewrite(newLength);
    }

    /**
     * Starts an import of up to {@code tokens} tokens into this empty session, to be written run by run and then
     * committed ({@link KvImport}). Blocks checked against this model's layout are the caller's business.
     */
    public KvImport beginImport(int tokens) {
        ensureOpen();
        requireLittleEndian();
        ensureEmpty();
        if (tokens < 0) {
            throw new IllegalArgumentException("cannot import " + tokens + " tokens");
        }
        if (tokens > model.maxPositions()) {
            throw new ContextOverflowException(0, tokens, model.maxPositions());
        }
        return new KvImport(this, kv, tokens);
    }

    void ensureEmpty() {
        ensureOpen();
        if (kv.length() != 0) {
            throw new IllegalStateException("an import needs an empty session; this one holds " + kv.length()
                    + " tokens");
        }
    }

    /** Frees the KV cache. Idempotent; the session cannot be used afterwards. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            kv.close();
            step.close();
        }
    }

    KvCache kv() {
        return kv;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
    }

    private void checkInput(int[] tokens, int from, int to) {
        ensureOpen();
        if (from < 0 || to > tokens.length || from >= to) {
            throw new IllegalArgumentException("need at least one token, got range [" + from + ", " + to + ") of "
                    + tokens.length);
        }
        model.checkTokens(tokens, from, to);
        if (kv.length() + (to - from) > model.maxPositions()) {
            throw new ContextOverflowException(kv.length(), to - from, model.maxPositions());
        }
    }

    /**
     * One model call over {@code tokens[from, to)}; copies logits rows [firstRow, firstRow + rows) into
     * {@code out}. On failure the cache is unchanged.
     */
    private void run(int[] tokens, int from, int to, int firstRow, int rows, float[] out) {
        int n = to - from;
        int past = kv.length();
        int total = past + n;
        OnnxTensor mask = null;
        OnnxTensor[] presents = null;
        try {
            step.prepare(n);
            for (int i = 0; i < n; i++) {
                step.setToken(i, tokens[from + i], past + i);
            }
            mask = OnnxTensor.createTensor(model.env(), model.ones(total), new long[] {1, total});
            OnnxTensor[] pasts = kv.pastTensors();
            presents = kv.presentTensors(total);
            inputs.clear();
            outputs.clear();
            inputs.put(GraphSignature.INPUT_IDS, step.ids());
            inputs.put(GraphSignature.ATTENTION_MASK, mask);
            if (signature.hasPositionIds()) {
                inputs.put(GraphSignature.POSITION_IDS, step.positions());
            }
            if (signature.hasUseCacheBranch()) {
                inputs.put(GraphSignature.USE_CACHE_BRANCH, model.useCacheBranch(past > 0));
            }
            outputs.put(GraphSignature.LOGITS, step.logits());
            for (int layer = 0; layer < signature.layers(); layer++) {
                inputs.put(GraphSignature.pastKey(layer), pasts[2 * layer]);
                inputs.put(GraphSignature.pastValue(layer), pasts[2 * layer + 1]);
                outputs.put(GraphSignature.presentKey(layer), presents[2 * layer]);
                outputs.put(GraphSignature.presentValue(layer), presents[2 * layer + 1]);
            }
            model.run(inputs, outputs);
            kv.commit(presents, total);
            presents = null;
            if (rows > 0) {
                step.readLogits(firstRow, rows, out, 0);
            }
        } catch (OrtException e) {
            throw new InferenceException("forward of " + n + " tokens after " + past + " failed in " + model.folder(), e);
        } finally {
            KvCache.closeAll(presents);
            if (mask != null) {
                mask.close();
            }
            inputs.clear();
            outputs.clear();
        }
    }

    private static void requireLittleEndian() {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("KV blocks are little-endian; this platform is big-endian");
        }
    }
}

package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several sequences of one model, of different cached lengths and different numbers of new tokens, in ONE
 * model call — how a verifier batches the verify steps of many sessions.
 *
 * <p>Padding layout for a batch with longest past {@code P} and most new tokens {@code S}: sequence b's past
 * occupies KV slots [0, past_b) and its new tokens slots [P, P + n_b); the pads in between and after are
 * masked with 0 in {@code attention_mask}. Its {@code position_ids} are the real positions past_b + t, so
 * rotary embeddings are exactly those of an unbatched step, and a key slot is visible to new query t only
 * if unmasked and at most P + t. Logits rows t &lt; n_b and the real KV slots are scattered back; each
 * session ends as if it had run {@link DecoderSession#forward} alone (equal within float rounding).
 */
public final class BatchedForward {
    private BatchedForward() {
    }

    /**
     * @param sessions distinct open sessions of one model
     * @param tokens   {@code tokens.get(b)}: the new tokens of session b (at least one each)
     * @return per session, flat [n_b * vocab] logits, as {@link DecoderSession#forward} would return
     */
    public static List<float[]> forward(List<DecoderSession> sessions, List<int[]> tokens) {
        return forward(sessions, tokens, new BatchStaging());
    }

    /**
     * As {@link #forward(List, List)}, staging the batch in {@code staging}'s reused buffers (for a caller whose
     * batched forwards of this model never overlap, such as a scheduler).
     */
    public static List<float[]> forward(List<DecoderSession> sessions, List<int[]> tokens, BatchStaging staging) {
        int batch = sessions.size();
        if (batch == 0 || tokens.size() != batch) {
            throw new IllegalArgumentException("need one token array per session, got " + batch + " sessions and "
                    + tokens.size() + " token arrays");
        }
        DecoderModel model = sessions.get(0).model();
        Map<DecoderSession, Boolean> seen = new IdentityHashMap<>();
        int maxPast = 0;
        int maxNew = 0;
        for (int b = 0; b < batch; b++) {
            DecoderSession session = sessions.get(b);
            session.ensureOpen();
            if (session.model() != model) {
                throw new IllegalArgumentException("session " + b + " belongs to " + session.model().folder()
                        + ", not " + model.folder());
            }
            if (seen.put(session, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("session " + b + " appears twice in one batch");
            }
            int[] newTokens = tokens.get(b);
            if (newTokens.length == 0) {
                throw new IllegalArgumentException("session " + b + " has no new tokens");
            }
            model.checkTokens(newTokens, 0, newTokens.length);
            if (session.length() + newTokens.length > model.maxPositions()) {
                throw new ContextOverflowException(session.length(), newTokens.length, model.maxPositions());
            }
            maxPast = Math.max(maxPast, session.length());
            maxNew = Math.max(maxNew, newTokens.length);
        }
        if (batch == 1) {
            return List.of(sessions.get(0).forward(tokens.get(0)));
        }
        try {
            return new Batch(model, sessions, tokens, maxPast, maxNew, staging).run();
        } catch (OrtException e) {
            throw new InferenceException("batched forward of " + batch + " sessions failed in " + model.folder(), e);
        }
    }

    private static final int IDS = 0;
    private static final int POSITIONS = 1;
    private static final int MASK = 2;
    private static final int LOGITS = 3;
    /** Past KV slots from here, then present KV slots. */
    private static final int FIRST_KV = 4;

    /** The tensors of one batched call, over {@link BatchStaging} buffers. */
    private static final class Batch {
        private final DecoderModel model;
        private final GraphSignature signature;
        private final List<DecoderSession> sessions;
        private final List<int[]> tokens;
        private final int batch;
        private final int maxPast;
        private final int maxNew;
        private final int rowBytes;
        private final BatchStaging staging;
        private final List<OnnxTensor> owned = new ArrayList<>();

        Batch(DecoderModel model, List<DecoderSession> sessions, List<int[]> tokens, int maxPast, int maxNew,
              BatchStaging staging) {
            this.model = model;
            this.signature = model.signature();
            this.sessions = sessions;
            this.tokens = tokens;
            this.batch = sessions.size();
            this.maxPast = maxPast;
            this.maxNew = maxNew;
            this.staging = staging;
            this.rowBytes = signature.headDim() * signature.kvType().bytes;
        }

        List<float[]> run() throws OrtException {
            int total = maxPast + maxNew;
            int heads = signature.kvHeads();
            int slots = 2 * signature.layers();
            try {
                LongBuffer ids = longs(IDS, batch * maxNew);
                LongBuffer positions = longs(POSITIONS, batch * maxNew);
                LongBuffer mask = longs(MASK, batch * total);
                for (int b = 0; b < batch; b++) {
                    int past = sessions.get(b).length();
                    int[] newTokens = tokens.get(b);
                    for (int t = 0; t < maxNew; t++) {
                        boolean real = t < newTokens.length;
                        ids.put(b * maxNew + t, real ? newTokens[t] : 0);
                        // Pads repeat the last real position: any in-range position works, they are masked.
                        positions.put(b * maxNew + t, past + Math.min(t, newTokens.length - 1));
                        mask.put(b * total + maxPast + t, real ? 1 : 0);
                    }
                    for (int j = 0; j < maxPast; j++) {
                        mask.put(b * total + j, j < past ? 1 : 0);
                    }
                }
                Map<String, OnnxTensor> inputs = new HashMap<>();
                Map<String, OnnxTensor> outputs = new HashMap<>();
                long[] tokenShape = {batch, maxNew};
                inputs.put(GraphSignature.INPUT_IDS, own(OnnxTensor.createTensor(model.env(), ids, tokenShape)));
                inputs.put(GraphSignature.ATTENTION_MASK,
                        own(OnnxTensor.createTensor(model.env(), mask, new long[] {batch, total})));
                if (signature.hasPositionIds()) {
                    inputs.put(GraphSignature.POSITION_IDS,
                            own(OnnxTensor.createTensor(model.env(), positions, tokenShape)));
                }
                if (signature.hasUseCacheBranch()) {
                    inputs.put(GraphSignature.USE_CACHE_BRANCH, model.useCacheBranch(maxPast > 0));
                }
                ByteBuffer logits = staging.view(LOGITS,
                        (long) batch * maxNew * signature.vocabSize() * signature.logitsType().bytes);
                outputs.put(GraphSignature.LOGITS, own(OnnxTensor.createTensor(model.env(), logits,
                        new long[] {batch, maxNew, signature.vocabSize()}, signature.logitsType().javaType)));
                ByteBuffer[] presents = new ByteBuffer[slots];
                for (int s = 0; s < slots; s++) {
                    ByteBuffer past = gatherPast(s);
                    presents[s] = staging.view(FIRST_KV + slots + s, (long) batch * heads * total * rowBytes);
                    String pastName = s % 2 == 0 ? GraphSignature.pastKey(s / 2) : GraphSignature.pastValue(s / 2);
                    String presentName = s % 2 == 0 ? GraphSignature.presentKey(s / 2) : GraphSignature.presentValue(s / 2);
                    long[] pastShape = {batch, heads, maxPast, signature.headDim()};
                    long[] presentShape = {batch, heads, total, signature.headDim()};
                    inputs.put(pastName, own(OnnxTensor.createTensor(model.env(), past, pastShape,
                            signature.kvType().javaType)));
                    outputs.put(presentName, own(OnnxTensor.createTensor(model.env(), presents[s], presentShape,
                            signature.kvType().javaType)));
                }
                model.run(inputs, outputs);
                scatterKv(presents);
                return scatterLogits(logits);
            } finally {
                KvCache.closeAll(owned.toArray(new OnnxTensor[0]));
            }
        }

        /**
         * [B, H, P, D] of slot s: each session's rows at [0, past_b), zeros (masked) after. The pads are zeroed
         * each call, not left from an earlier batch: masking keeps them out of the result only while they are
         * finite, and another session's stale rows must never reach this one's.
         */
        private ByteBuffer gatherPast(int slot) {
            int heads = signature.kvHeads();
            ByteBuffer staged = staging.view(FIRST_KV + slot, (long) batch * heads * maxPast * rowBytes);
            ByteBuffer zeros = staging.zeros(maxPast * rowBytes); // the longest pad, of a session with no past
            for (int b = 0; b < batch; b++) {
                KvCache kv = sessions.get(b).kv();
                int bytes = kv.length() * rowBytes;
                int pad = maxPast * rowBytes - bytes;
                for (int h = 0; h < heads; h++) {
                    int row = (b * heads + h) * maxPast * rowBytes;
                    staged.put(row, kv.slot(slot), kv.offset(h, 0), bytes);
                    if (pad > 0) {
                        staged.put(row + bytes, zeros, 0, pad);
                    }
                }
            }
            return staged;
        }

        /**
         * Session b's new KV = present rows [0, past_b) ++ [P, P + n_b) of its batch row. The first part is a copy of
         * what the session holds already, so when its buffers have room only the new rows are written
         * ({@link KvCache#appendInPlace}); otherwise everything is re-laid into the spare buffers.
         */
        private void scatterKv(ByteBuffer[] presents) {
            int heads = signature.kvHeads();
            int total = maxPast + maxNew;
            for (int b = 0; b < batch; b++) {
                KvCache kv = sessions.get(b).kv();
                int past = kv.length();
                int added = tokens.get(b).length;
                int newLength = past + added;
                ByteBuffer[] inPlace = kv.appendInPlace(newLength);
                ByteBuffer[] target = inPlace != null ? inPlace : kv.beginRewrite(newLength);
                for (int s = 0; s < presents.length; s++) {
                    for (int h = 0; h < heads; h++) {
                        int source = (b * heads + h) * total * rowBytes;
                        int dest = h * newLength * rowBytes;
                        if (inPlace == null) {
                            target[s].put(dest, presents[s], source, past * rowBytes);
                        }
                        target[s].put(dest + past * rowBytes, presents[s], source + maxPast * rowBytes,
                                added * rowBytes);
                    }
                }
                if (inPlace == null) {
                    kv.endRewrite(newLength);
                }
            }
        }

        private List<float[]> scatterLogits(ByteBuffer logits) {
            int vocab = signature.vocabSize();
            List<float[]> result = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) {
                int n = tokens.get(b).length;
                float[] rows = new float[n * vocab];
                StepBuffers.readLogits(logits, signature.logitsType(), b * maxNew * vocab, n * vocab, rows, 0);
                result.add(rows);
            }
            return result;
        }

        private OnnxTensor own(OnnxTensor tensor) {
            owned.add(tensor);
            return tensor;
        }

        private LongBuffer longs(int index, int count) {
            return staging.view(index, (long) count * Long.BYTES).asLongBuffer();
        }
    }
}

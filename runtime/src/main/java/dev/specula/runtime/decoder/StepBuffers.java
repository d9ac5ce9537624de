package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;

/**
 * A session's reusable direct buffers for {@code input_ids}, {@code position_ids} and {@code logits} of a
 * single-sequence step, with the tensors over them cached for the last step width. The drafter runs
 * thousands of one-token steps per second; reusing these avoids three tensor creations and the garbage of
 * fresh buffers on every step (the tensors are views, so writing the buffer updates the tensor).
 */
final class StepBuffers implements AutoCloseable {
    private final OrtEnvironment env;
    private final int vocab;
    private final KvDType logitsType;
    private LongBuffer ids;
    private LongBuffer positions;
    private ByteBuffer logits;
    private int capacity;
    private int width = -1;
    private OnnxTensor idsTensor;
    private OnnxTensor positionsTensor;
    private OnnxTensor logitsTensor;

    StepBuffers(OrtEnvironment env, int vocab, KvDType logitsType) {
        this.env = env;
        this.vocab = vocab;
        this.logitsType = logitsType;
    }

    /** Prepares buffers and tensors for a step of {@code n} tokens. */
    void prepare(int n) throws OrtException {
        if (n > capacity) {
            closeTensors();
            capacity = Math.max(n, 2 * capacity);
            ids = ByteBuffer.allocateDirect(capacity * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
            positions = ByteBuffer.allocateDirect(capacity * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
            logits = ByteBuffer.allocateDirect(capacity * vocab * logitsType.bytes).order(ByteOrder.nativeOrder());
        }
        if (n != width) {
            closeTensors();
            long[] shape = {1, n};
            idsTensor = OnnxTensor.createTensor(env, ids.slice(0, n), shape);
            positionsTensor = OnnxTensor.createTensor(env, positions.slice(0, n), shape);
            logitsTensor = OnnxTensor.createTensor(env, logits.slice(0, n * vocab * logitsType.bytes)
                    .order(ByteOrder.nativeOrder()), new long[] {1, n, vocab}, logitsType.javaType);
            width = n;
        }
    }

    void setToken(int i, int token, long position) {
        ids.put(i, token);
        positions.put(i, position);
    }

    OnnxTensor ids() {
        return idsTensor;
    }

    OnnxTensor positions() {
        return positionsTensor;
    }

    OnnxTensor logits() {
        return logitsTensor;
    }

    /** Copies logits rows [fromRow, fromRow + rows) into {@code out} at {@code outOffset} as float32. */
    void readLogits(int fromRow, int rows, float[] out, int outOffset) {
        readLogits(logits, logitsType, fromRow * vocab, rows * vocab, out, outOffset);
    }

    static void readLogits(ByteBuffer source, KvDType type, int fromValue, int values, float[] out, int outOffset) {
        if (type == KvDType.FLOAT32) {
            FloatBuffer floats = source.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
            floats.get(fromValue, out, outOffset, values);
        } else {
            ShortBuffer halves = source.duplicate().order(ByteOrder.nativeOrder()).asShortBuffer();
            for (int i = 0; i < values; i++) {
                out[outOffset + i] = Fp16Conversions.fp16ToFloat(halves.get(fromValue + i));
            }
        }
    }

    @Override
    public void close() {
        closeTensors();
    }

    private void closeTensors() {
        KvCache.closeAll(new OnnxTensor[] {idsTensor, positionsTensor, logitsTensor});
        idsTensor = positionsTensor = logitsTensor = null;
        width = -1;
    }
}

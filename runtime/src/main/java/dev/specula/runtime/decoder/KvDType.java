package dev.specula.runtime.decoder;

import ai.onnxruntime.OnnxJavaType;

/**
 * Element type of a graph's past/present tensors. float16 exports are fed {@code FLOAT16} tensors over the
 * same direct byte buffers (2 bytes per value); the runtime never converts KV, it only moves bytes, so both
 * types share every code path except logits reading.
 */
public enum KvDType {
    FLOAT32(1, 4, OnnxJavaType.FLOAT),
    FLOAT16(2, 2, OnnxJavaType.FLOAT16);

    /** The code written in {@link KvBlockLayout} headers. */
    public final int code;
    public final int bytes;
    final OnnxJavaType javaType;

    KvDType(int code, int bytes, OnnxJavaType javaType) {
        this.code = code;
        this.bytes = bytes;
        this.javaType = javaType;
    }

    static KvDType of(OnnxJavaType type) {
        for (KvDType dtype : values()) {
            if (dtype.javaType == type) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("unsupported tensor type " + type + " (float32 and float16 are supported)");
    }

    public static KvDType fromCode(int code) {
        for (KvDType dtype : values()) {
            if (dtype.code == code) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("unknown KV dtype code " + code);
    }
}

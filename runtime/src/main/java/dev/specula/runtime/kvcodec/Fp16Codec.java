package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;

/**
 * Half the bytes, relative error at most 2^-11: the encoded form is a float16 {@link KvBlockLayout} block, which an
 * fp16 model imports as it is. Values beyond the fp16 range (±65504) are refused rather than turned into infinity.
 */
final class Fp16Codec implements KvCodec {

    @Override
    public String name() {
        return KvCodecs.FP16;
    }

    @Override
    public ByteBuffer encode(ByteBuffer block) {
        KvTensors tensors = KvTensors.read(block);
        tensors.requireFinite(name());
        for (float[] slot : tensors.slots()) {
            for (float value : slot) {
                if (Math.abs(value) > Half.MAX_VALUE) {
                    throw new IllegalArgumentException("fp16 cannot hold " + value + " (beyond ±65504); use fp32");
                }
            }
        }
        return tensors.write(KvDType.FLOAT16);
    }

    @Override
    public ByteBuffer decode(ByteBuffer encoded, KvDType target) {
        KvBlockLayout.Header header = KvBlockLayout.readHeader(encoded);
        Formats.requireExactLength(encoded, header.blockBytes(), name());
        if (header.dtype() != KvDType.FLOAT16) {
            throw new IllegalArgumentException("fp16 payload holds " + header.dtype() + " data");
        }
        return KvTensors.read(encoded).write(target);
    }

    @Override
    public long encodedBytes(KvBlockLayout.Header shape) {
        return KvTensors.withDtype(shape, KvDType.FLOAT16).blockBytes();
    }
}

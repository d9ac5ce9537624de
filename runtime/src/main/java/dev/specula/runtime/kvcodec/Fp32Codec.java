package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Lossless: the encoded form is the float32 {@link KvBlockLayout} block itself (float16 input is widened exactly). */
final class Fp32Codec implements KvCodec {

    @Override
    public String name() {
        return KvCodecs.FP32;
    }

    @Override
    public ByteBuffer encode(ByteBuffer block) {
        KvBlockLayout.Header header = KvBlockLayout.readHeader(block);
        if (header.dtype() == KvDType.FLOAT32) {
            return copy(block, header.blockBytes());
        }
        return KvTensors.read(block).write(KvDType.FLOAT32);
    }

    @Override
    public ByteBuffer decode(ByteBuffer encoded, KvDType target) {
        KvBlockLayout.Header header = KvBlockLayout.readHeader(encoded);
        Formats.requireExactLength(encoded, header.blockBytes(), name());
        if (header.dtype() != KvDType.FLOAT32) {
            throw new IllegalArgumentException("fp32 payload holds " + header.dtype() + " data");
        }
        return target == KvDType.FLOAT32 ? copy(encoded, header.blockBytes())
                : KvTensors.read(encoded).write(target);
    }

    @Override
    public long encodedBytes(KvBlockLayout.Header shape) {
        return KvTensors.withDtype(shape, KvDType.FLOAT32).blockBytes();
    }

    private static ByteBuffer copy(ByteBuffer block, long bytes) {
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        out.put(0, block, block.position(), out.capacity());
        return out;
    }
}

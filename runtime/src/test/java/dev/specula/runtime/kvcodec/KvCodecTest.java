package dev.specula.runtime.kvcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sizes, exactness and per-value error bounds of every codec, on random and on KV-shaped data. */
class KvCodecTest {

    private static final KvCodec FP32 = KvCodecs.of(KvCodecs.FP32);
    private static final KvCodec FP16 = KvCodecs.of(KvCodecs.FP16);
    private static final KvCodec INT8 = KvCodecs.of(KvCodecs.INT8);
    private static final KvCodec Q4K2V = KvCodecs.of(KvCodecs.Q4K2V);

    /** Shapes with odd token counts and a head dim that is not a multiple of the value group. */
    private static final List<int[]> SHAPES = List.of(
            new int[] {2, 2, 16, 3}, new int[] {1, 1, 1, 1}, new int[] {3, 2, 40, 17}, new int[] {2, 4, 64, 16});

    @Test
    void namesAreTheStoreCodecNames() {
        assertEquals(List.of("fp32", "fp16", "int8", "q4k2v"), KvCodecs.all().stream().map(KvCodec::name).toList());
        assertThrows(IllegalArgumentException.class, () -> KvCodecs.of("bf16"));
    }

    @Test
    void fp32IsExactAndIsTheBlockItself() {
        ByteBuffer block = SyntheticKv.realistic(2, 2, 16, 5, 0, 1);
        ByteBuffer encoded = FP32.encode(block);

        assertEquals(block, encoded);
        assertEquals(block, FP32.decode(encoded, KvDType.FLOAT32));
        assertEquals(0, block.position(), "input untouched");
    }

    @Test
    void fp16IsAFloat16LayoutBlockAndExactForFp16Input() {
        ByteBuffer block = SyntheticKv.realistic(2, 2, 16, 5, 0, 2);
        ByteBuffer half = FP16.encode(block);

        KvBlockLayout.Header header = KvBlockLayout.readHeader(half);
        assertEquals(KvDType.FLOAT16, header.dtype());
        assertEquals(half, FP16.encode(half), "already fp16: nothing changes");
        assertEquals(half, FP16.decode(half, KvDType.FLOAT16));
        assertEquals(FP32.encode(half), FP16.decode(half, KvDType.FLOAT32), "widening is exact");
    }

    @Test
    void encodedSizesMatchTheFormulas() {
        for (int[] s : SHAPES) {
            int layers = s[0];
            long heads = s[1];
            long dim = s[2];
            long tokens = s[3];
            long n = heads * tokens * dim;
            Map<KvCodec, Long> expected = Map.of(
                    FP32, 24 + 2 * layers * n * 4,
                    FP16, 24 + 2 * layers * n * 2,
                    INT8, 28 + 2 * layers * (4 * heads * dim + n),
                    Q4K2V, 28 + layers * (4 * heads * dim + (n * 4 + 7) / 8
                            + 4 * heads * tokens * ((dim + 31) / 32) + (n * 2 + 7) / 8));
            ByteBuffer block = SyntheticKv.uniform(layers, (int) heads, (int) dim, (int) tokens, 3);
            KvBlockLayout.Header header = KvBlockLayout.readHeader(block);
            expected.forEach((codec, bytes) -> {
                assertEquals(bytes, codec.encodedBytes(header), codec.name() + " " + header);
                assertEquals(bytes, codec.encode(block).remaining(), codec.name() + " " + header);
            });
        }
    }

    @Test
    void compressionOnATypicalBlock() {
        // 16 tokens of an 8-KV-head, 128-dim model with 4 layers (per-layer ratios are the same for 32 layers).
        KvBlockLayout.Header shape = new KvBlockLayout.Header(KvDType.FLOAT32, 4, 8, 128, 16);
        double fp32 = FP32.encodedBytes(shape);
        assertEquals(2.0, fp32 / FP16.encodedBytes(shape), 0.01);
        assertEquals(3.2, fp32 / INT8.encodedBytes(shape), 0.05);
        assertTrue(fp32 / Q4K2V.encodedBytes(shape) > 6.5, "q4k2v ratio " + fp32 / Q4K2V.encodedBytes(shape));
    }

    @Test
    void fp16ErrorIsWithinHalfAnUlp() {
        for (ByteBuffer block : blocks()) {
            KvTensors original = KvTensors.read(block);
            KvTensors decoded = roundTrip(FP16, block);
            forEach(original, decoded, (x, y, slot, i) ->
                    assertTrue(Math.abs(x - y) <= Math.abs(x) * 0x1p-11f + 0x1p-25f, x + " -> " + y));
        }
    }

    @Test
    void int8ErrorIsAtMostHalfAStepOfItsChannel() {
        for (ByteBuffer block : blocks()) {
            KvTensors original = KvTensors.read(block);
            KvTensors decoded = roundTrip(INT8, block);
            int tokens = original.tokens();
            int dim = original.headDim();
            for (int s = 0; s < original.slots().length; s++) {
                float[] a = original.slots()[s];
                float[] b = decoded.slots()[s];
                for (int h = 0; h < original.kvHeads(); h++) {
                    for (int d = 0; d < dim; d++) {
                        float max = 0;
                        for (int t = 0; t < tokens; t++) {
                            max = Math.max(max, Math.abs(a[(h * tokens + t) * dim + d]));
                        }
                        double bound = max / 254.0 * (1 + 1e-5) + 1e-7;
                        for (int t = 0; t < tokens; t++) {
                            int i = (h * tokens + t) * dim + d;
                            assertTrue(Math.abs(a[i] - b[i]) <= bound, a[i] + " -> " + b[i] + ", bound " + bound);
                        }
                    }
                }
            }
        }
    }

    @Test
    void q4k2vKeyErrorIsHalfAStepOfTheChannelAndValueErrorHalfAStepOfTheGroup() {
        for (ByteBuffer block : blocks()) {
            KvTensors original = KvTensors.read(block);
            KvTensors decoded = roundTrip(Q4K2V, block);
            int tokens = original.tokens();
            int dim = original.headDim();
            for (int layer = 0; layer < original.layers(); layer++) {
                float[] keys = original.slots()[2 * layer];
                float[] keysBack = decoded.slots()[2 * layer];
                for (int h = 0; h < original.kvHeads(); h++) {
                    for (int d = 0; d < dim; d++) {
                        int[] channel = new int[tokens];
                        for (int t = 0; t < tokens; t++) {
                            channel[t] = (h * tokens + t) * dim + d;
                        }
                        assertWithinHalfStep(keys, keysBack, channel, 15);
                    }
                }
                float[] values = original.slots()[2 * layer + 1];
                float[] valuesBack = decoded.slots()[2 * layer + 1];
                for (int row = 0; row < original.kvHeads() * tokens; row++) {
                    for (int from = 0; from < dim; from += 32) {
                        int[] group = new int[Math.min(32, dim - from)];
                        for (int k = 0; k < group.length; k++) {
                            group[k] = row * dim + from + k;
                        }
                        assertWithinHalfStep(values, valuesBack, group, 3);
                    }
                }
            }
        }
    }

    @Test
    void meanErrorsOnKvShapedDataAreSmallAndOrderedByBits() {
        ByteBuffer block = SyntheticKv.realistic(4, 4, 64, 16, 100, 7);
        List<KvCodecErrorProbe.CodecError> errors = KvCodecErrorProbe.measure(block);
        Map<String, KvCodecErrorProbe.CodecError> byName = new java.util.HashMap<>();
        errors.forEach(e -> byName.put(e.codec(), e));

        assertEquals(0.0, byName.get("fp32").maxAbsError());
        assertTrue(byName.get("fp16").relativeError() < 3e-4, byName.get("fp16").toJson());
        assertTrue(byName.get("int8").relativeError() < 0.01, byName.get("int8").toJson());
        // 2-bit values are coarse one by one (4 levels per group of 32); attention averages them. Keys stay close.
        assertTrue(byName.get("q4k2v").relativeError() < 0.3, byName.get("q4k2v").toJson());
        assertTrue(byName.get("fp16").meanAbsError() < byName.get("int8").meanAbsError());
        assertTrue(byName.get("int8").meanAbsError() < byName.get("q4k2v").meanAbsError());
        KvCodecErrorProbe.CodecError low = byName.get("q4k2v");
        assertTrue(low.keyMeanAbsError() < low.valueMeanAbsError(), "keys get more bits: " + low.toJson());
    }

    @Test
    void decodesIntoEitherDtype() {
        ByteBuffer block = SyntheticKv.realistic(2, 2, 16, 4, 0, 5);
        for (KvCodec codec : KvCodecs.all()) {
            ByteBuffer encoded = codec.encode(block);
            ByteBuffer half = codec.decode(encoded, KvDType.FLOAT16);
            KvBlockLayout.Header header = KvBlockLayout.readHeader(half);
            assertEquals(KvDType.FLOAT16, header.dtype(), codec.name());
            assertEquals(header.blockBytes(), half.remaining(), codec.name());
            assertEquals(4, header.tokens());
        }
    }

    @Test
    void refusesWhatItCannotRepresentAndPayloadsThatAreNotItsOwn() {
        ByteBuffer withNaN = SyntheticKv.uniform(1, 1, 8, 2, 1);
        withNaN.putFloat(KvBlockLayout.HEADER_BYTES + 12, Float.NaN);
        for (KvCodec lossy : List.of(FP16, INT8, Q4K2V)) {
            assertThrows(IllegalArgumentException.class, () -> lossy.encode(withNaN), lossy.name());
        }
        ByteBuffer huge = SyntheticKv.uniform(1, 1, 8, 2, 1);
        huge.putFloat(KvBlockLayout.HEADER_BYTES, 1e6f);
        assertThrows(IllegalArgumentException.class, () -> FP16.encode(huge));
        assertThrows(IllegalArgumentException.class, () -> Q4K2V.encode(huge));
        assertEquals(1e6f, KvTensors.read(roundTripBytes(INT8, huge)).slots()[0][0], 1e6f / 254);

        ByteBuffer block = SyntheticKv.uniform(1, 2, 8, 3, 2);
        ByteBuffer int8 = INT8.encode(block);
        assertThrows(IllegalArgumentException.class, () -> Q4K2V.decode(int8, KvDType.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> INT8.decode(FP32.encode(block), KvDType.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> FP16.decode(FP32.encode(block), KvDType.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> INT8.decode(int8.slice(0, int8.remaining() - 1)
                .order(ByteOrder.LITTLE_ENDIAN), KvDType.FLOAT32));
        ByteBuffer longer = ByteBuffer.allocate(int8.remaining() + 1).put(0, int8, 0, int8.remaining());
        assertThrows(IllegalArgumentException.class, () -> INT8.decode(longer, KvDType.FLOAT32));
    }

    // ---- helpers ----

    private static List<ByteBuffer> blocks() {
        return List.of(SyntheticKv.uniform(2, 2, 16, 3, 11), SyntheticKv.uniform(3, 2, 40, 17, 12),
                SyntheticKv.realistic(2, 4, 64, 16, 0, 13), SyntheticKv.realistic(1, 2, 40, 5, 500, 14));
    }

    private static KvTensors roundTrip(KvCodec codec, ByteBuffer block) {
        return KvTensors.read(roundTripBytes(codec, block));
    }

    private static ByteBuffer roundTripBytes(KvCodec codec, ByteBuffer block) {
        return codec.decode(codec.encode(block), KvDType.FLOAT32);
    }

    /** |x - y| ≤ step / 2 for the group, with step = range / levels widened by the fp16 rounding of min and scale. */
    private static void assertWithinHalfStep(float[] original, float[] decoded, int[] group, int levels) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i : group) {
            lo = Math.min(lo, original[i]);
            hi = Math.max(hi, original[i]);
        }
        double magnitude = Math.max(Math.abs(lo), Math.abs(hi));
        double step = ((hi - lo) + magnitude * 0x1p-10) / levels * (1 + 0x1p-9) + 0x1p-24;
        for (int i : group) {
            double error = Math.abs(original[i] - decoded[i]);
            assertTrue(error <= step / 2 + 1e-6 * magnitude, original[i] + " -> " + decoded[i] + ", step " + step);
        }
    }

    private interface ValueCheck {
        void check(float original, float decoded, int slot, int index);
    }

    private static void forEach(KvTensors original, KvTensors decoded, ValueCheck check) {
        for (int s = 0; s < original.slots().length; s++) {
            for (int i = 0; i < original.slots()[s].length; i++) {
                check.check(original.slots()[s][i], decoded.slots()[s][i], s, i);
            }
        }
    }
}

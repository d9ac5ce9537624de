package dev.specula.runtime.kvcodec;

import dev.specula.runtime.decoder.KvDType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How much each codec changes a KV block: encodes the block with every codec, decodes it back to float32 and
 * compares value by value. The next-token KL divergence on the verifier model builds on this (same blocks, imported
 * into a session); this part needs no model and is what a benchmark calls per exported block.
 *
 * <pre>
 * java -cp runtime.jar dev.specula.runtime.kvcodec.KvCodecErrorProbe [--json] BLOCK_FILE...
 * java -cp runtime.jar dev.specula.runtime.kvcodec.KvCodecErrorProbe [--json] --synthetic LAYERS,KV_HEADS,HEAD_DIM,TOKENS
 * </pre>
 * A BLOCK_FILE holds one {@code KvBlockLayout} block (what {@code DecoderSession.exportKv} returns), float32 or
 * float16.
 */
public final class KvCodecErrorProbe {

    /**
     * One codec's effect on one block.
     *
     * @param compression       float32 block bytes / encoded bytes
     * @param maxAbsError       largest |x − decoded x| over keys and values
     * @param meanAbsError      mean |x − decoded x| over keys and values
     * @param keyMeanAbsError   mean over the keys only
     * @param valueMeanAbsError mean over the values only
     * @param relativeError     meanAbsError / mean |x|
     */
    public record CodecError(String codec, long encodedBytes, double compression, double maxAbsError,
            double meanAbsError, double keyMeanAbsError, double valueMeanAbsError, double relativeError) {

        public String toJson() {
            return String.format(Locale.ROOT, "{\"codec\":\"%s\",\"encoded_bytes\":%d,\"compression\":%.4f,"
                    + "\"max_abs_error\":%.6g,\"mean_abs_error\":%.6g,\"key_mean_abs_error\":%.6g,"
                    + "\"value_mean_abs_error\":%.6g,\"relative_error\":%.6g}", codec, encodedBytes, compression,
                    maxAbsError, meanAbsError, keyMeanAbsError, valueMeanAbsError, relativeError);
        }
    }

    private KvCodecErrorProbe() {
    }

    /** Every codec's error on one block; codecs that refuse the block (e.g. fp16 overflow) are left out. */
    public static List<CodecError> measure(ByteBuffer block) {
        KvTensors original = KvTensors.read(block);
        long fp32Bytes = KvTensors.withDtype(original.shape(), KvDType.FLOAT32).blockBytes();
        List<CodecError> errors = new ArrayList<>();
        for (KvCodec codec : KvCodecs.all()) {
            ByteBuffer encoded;
            try {
                encoded = codec.encode(block);
            } catch (IllegalArgumentException refused) {
                continue;
            }
            KvTensors decoded = KvTensors.read(codec.decode(encoded, KvDType.FLOAT32));
            errors.add(compare(codec.name(), encoded.remaining(), fp32Bytes, original, decoded));
        }
        return errors;
    }

    public static void main(String[] args) throws IOException {
        boolean json = false;
        List<ByteBuffer> blocks = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--json" -> json = true;
                case "--synthetic" -> {
                    String[] shape = args[++i].split(",");
                    int[] n = new int[4];
                    for (int k = 0; k < 4; k++) {
                        n[k] = Integer.parseInt(shape[k].trim());
                    }
                    blocks.add(SyntheticKv.realistic(n[0], n[1], n[2], n[3], 0, 1));
                }
                default -> blocks.add(ByteBuffer.wrap(Files.readAllBytes(Path.of(args[i])))
                        .order(ByteOrder.LITTLE_ENDIAN));
            }
        }
        if (blocks.isEmpty()) {
            System.err.println("usage: KvCodecErrorProbe [--json] (BLOCK_FILE | --synthetic L,H,D,T)...");
            System.exit(2);
        }
        for (ByteBuffer block : blocks) {
            List<CodecError> errors = measure(block);
            if (json) {
                errors.forEach(e -> System.out.println(e.toJson()));
            } else {
                System.out.printf(Locale.ROOT, "%-6s %12s %8s %12s %12s %12s %12s %10s%n", "codec", "bytes", "ratio",
                        "max_abs", "mean_abs", "key_mean", "value_mean", "relative");
                for (CodecError e : errors) {
                    System.out.printf(Locale.ROOT, "%-6s %12d %8.2f %12.4g %12.4g %12.4g %12.4g %10.4g%n",
                            e.codec(), e.encodedBytes(), e.compression(), e.maxAbsError(), e.meanAbsError(),
                            e.keyMeanAbsError(), e.valueMeanAbsError(), e.relativeError());
                }
            }
        }
    }

    private static CodecError compare(String codec, long encodedBytes, long fp32Bytes, KvTensors original,
            KvTensors decoded) {
        double max = 0;
        double[] errorSum = new double[2]; // keys, values
        double magnitude = 0;
        long perKind = 0;
        for (int s = 0; s < original.slots().length; s++) {
            float[] a = original.slots()[s];
            float[] b = decoded.slots()[s];
            for (int i = 0; i < a.length; i++) {
                double error = Math.abs((double) a[i] - b[i]);
                max = Math.max(max, error);
                errorSum[s % 2] += error;
                magnitude += Math.abs(a[i]);
            }
            if (s % 2 == 0) {
                perKind += a.length;
            }
        }
        long count = 2 * perKind;
        double mean = count == 0 ? 0 : (errorSum[0] + errorSum[1]) / count;
        return new CodecError(codec, encodedBytes, (double) fp32Bytes / encodedBytes, max, mean,
                perKind == 0 ? 0 : errorSum[0] / perKind, perKind == 0 ? 0 : errorSum[1] / perKind,
                magnitude == 0 ? 0 : mean / (magnitude / count));
    }
}

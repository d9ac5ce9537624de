package dev.specula.runtime.kvcodec;

import java.util.List;

/**
 * The KV codecs by their store names. The KV store accepts exactly these names (its {@code Codecs.KNOWN}); a new
 * codec gets a new name, never a new meaning for an old one, so blocks written earlier are never misread.
 */
public final class KvCodecs {

    public static final String FP32 = "fp32";
    public static final String FP16 = "fp16";
    public static final String INT8 = "int8";
    /** 4-bit keys, 2-bit values in groups of 32 channels. */
    public static final String Q4K2V = "q4k2v";

    private static final List<KvCodec> ALL = List.of(new Fp32Codec(), new Fp16Codec(), new Int8Codec(),
            new LowBitCodec(Q4K2V, 4, 2, 32));

    private KvCodecs() {
    }

    /** Every codec, most exact first. */
    public static List<KvCodec> all() {
        return ALL;
    }

    /** @throws IllegalArgumentException for an unknown name */
    public static KvCodec of(String name) {
        for (KvCodec codec : ALL) {
            if (codec.name().equals(name)) {
                return codec;
            }
        }
        throw new IllegalArgumentException("unknown KV codec '" + name + "', expected one of "
                + ALL.stream().map(KvCodec::name).toList());
    }
}

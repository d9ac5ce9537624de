package dev.specula.kvstore.block;

import java.util.Set;

/**
 * Payload encodings the store accepts. The store never decodes payloads; it only refuses names it does not know, so a
 * reader never reinterprets bytes written in another layout (RELIABILITY.md #13). The codecs themselves live in
 * {@code dev.specula.runtime.kvcodec.KvCodecs} (the verifier encodes before offloading and decodes after fetching);
 * these names must stay equal to theirs, and a new codec gets a new name.
 */
public final class Codecs {

    /** fp32/fp16/int8 KV, and q4k2v: 4-bit keys with 2-bit values (keys are the more sensitive half, DESIGN.md). */
    public static final Set<String> KNOWN = Set.of("fp32", "fp16", "int8", "q4k2v");

    private Codecs() {
    }
}

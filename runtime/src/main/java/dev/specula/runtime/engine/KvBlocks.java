package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Block-level moves between a session's KV cache and {@code KvBlockLayout} byte arrays: export full blocks and
 * check a block that came from a cache or the store ({@link KvAssembly} merges the blocks of a restore).
 */
public final class KvBlocks {
    private KvBlocks() {
    }

    /** The KV store codec name of this model's blocks: its own KV dtype, unconverted. */
    public static String codec(GraphSignature signature) {
        return signature.kvType() == KvDType.FLOAT16 ? "fp16" : "fp32";
    }

    /** Exports blocks [fromBlock, toBlock) of {@code blockTokens} tokens each. */
    public static List<byte[]> export(DecoderSession session, int blockTokens, int fromBlock, int toBlock) {
        List<byte[]> out = new ArrayList<>(Math.max(0, toBlock - fromBlock));
        for (int b = fromBlock; b < toBlock; b++) {
            ByteBuffer block = session.exportKv(b * blockTokens, (b + 1) * blockTokens);
            out.add(block.array());
        }
        return out;
    }

    /** Bytes of one block of {@code tokens} tokens of this model. */
    public static long blockBytes(GraphSignature signature, int tokens) {
        return new KvBlockLayout.Header(signature.kvType(), signature.layers(), signature.kvHeads(),
                signature.headDim(), tokens).blockBytes();
    }

    /**
     * Whether {@code block} is exactly a block of {@code tokens} tokens of this model: header fields and total
     * size. Content cannot be checked here (the checksum and the key are the store client's job); this makes
     * sure the bytes are never reinterpreted under another geometry.
     */
    public static boolean fits(byte[] block, GraphSignature signature, int tokens) {
        return fits(ByteBuffer.wrap(block), signature, tokens);
    }

    /** {@link #fits(byte[], GraphSignature, int)} of the buffer's remaining bytes. */
    public static boolean fits(ByteBuffer block, GraphSignature signature, int tokens) {
        KvBlockLayout.Header header;
        try {
            header = KvBlockLayout.readHeader(block);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return header.dtype() == signature.kvType() && header.layers() == signature.layers()
                && header.kvHeads() == signature.kvHeads() && header.headDim() == signature.headDim()
                && header.tokens() == tokens && block.remaining() == header.blockBytes();
    }
}

package dev.specula.runtime.engine;

import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.GraphSignature;
import dev.specula.runtime.decoder.KvBlockLayout;
import dev.specula.runtime.decoder.KvDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Block-level moves between a session's KV cache and {@code KvBlockLayout} byte arrays: export full blocks,
 * check a block that came from a cache or the store, and merge consecutive blocks into one so that a restore
 * is a single import (importing n blocks one by one would re-lay the growing cache n times).
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
        KvBlockLayout.Header header;
        try {
            header = KvBlockLayout.readHeader(ByteBuffer.wrap(block));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return header.dtype() == signature.kvType() && header.layers() == signature.layers()
                && header.kvHeads() == signature.kvHeads() && header.headDim() == signature.headDim()
                && header.tokens() == tokens && block.length == header.blockBytes();
    }

    /**
     * One block holding the tokens of {@code blocks} in order; each must {@linkplain #fits fit} with
     * {@code blockTokens} tokens. Per slot (layer key or value) and head, the rows of each block follow each other.
     */
    public static ByteBuffer concat(List<byte[]> blocks, GraphSignature signature, int blockTokens) {
        int count = blocks.size();
        int rowBytes = signature.headDim() * signature.kvType().bytes;
        int heads = signature.kvHeads();
        int slots = 2 * signature.layers();
        int tokens = count * blockTokens;
        ByteBuffer merged = ByteBuffer.allocate(Math.toIntExact(blockBytes(signature, tokens)))
                .order(ByteOrder.LITTLE_ENDIAN);
        merged.putInt(0, KvBlockLayout.MAGIC);
        merged.putShort(4, (short) KvBlockLayout.VERSION);
        merged.putShort(6, (short) signature.kvType().code);
        merged.putInt(8, signature.layers());
        merged.putInt(12, heads);
        merged.putInt(16, signature.headDim());
        merged.putInt(20, tokens);
        int run = blockTokens * rowBytes;
        int at = KvBlockLayout.HEADER_BYTES;
        for (int s = 0; s < slots; s++) {
            for (int h = 0; h < heads; h++) {
                int source = KvBlockLayout.HEADER_BYTES + (s * heads + h) * run;
                for (byte[] block : blocks) {
                    merged.put(at, block, source, run);
                    at += run;
                }
            }
        }
        return merged;
    }
}

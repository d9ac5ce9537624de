package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.testing.TestModels;
import org.junit.jupiter.api.Test;

class GraphSignatureTest {

    @Test
    void kvGeometryIsReadFromTheGraphAndIsGroupedQueryAttention() {
        DecoderModel model = TestModels.tiny();
        GraphSignature g = model.signature();
        assertEquals(2, g.layers());
        assertEquals(2, g.kvHeads());
        assertEquals(16, g.headDim());
        assertEquals(260, g.vocabSize());
        assertEquals(KvDType.FLOAT32, g.kvType());
        assertTrue(g.hasPositionIds());
        assertTrue(g.kvHeads() < model.config().numAttentionHeads(), "test-tiny uses GQA: 2 KV heads for 4 query heads");
        assertEquals(2L * 2 * 2 * 16 * 4, g.kvBytesPerToken());
        assertEquals("CPU", model.executionProvider());
    }
}

package dev.specula.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.testing.RepoPaths;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TextTokenizerTest {
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(ModelFolder.open(RepoPaths.testTiny()));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    /** The byte-level contract: token id = byte value. */
    private static int[] bytes(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            ids[i] = utf8[i] & 0xFF;
        }
        return ids;
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello world", " leading space", "tabs\tand\nnewlines", "héllo wörld", "naïve café — ok",
            "你好，世界", "emoji 🎉🚀 done", "mixed ÆØÅ 日本語 😀 end", ""})
    void encodeIsUtf8BytesAndDecodeRoundTrips(String text) {
        int[] ids = tokenizer.encode(text);
        assertArrayEquals(bytes(text), ids);
        assertEquals(text, tokenizer.decode(ids));
    }

    @Test
    void specialTokensAreRecognisedAndSkippedWhenDecoding() {
        assertEquals(256, tokenizer.addedTokenId("<|endoftext|>").orElseThrow());
        assertEquals(259, tokenizer.addedTokenId("<|im_end|>").orElseThrow());
        int[] ids = {258, 'h', 'i', 259, 256};
        assertEquals("hi", tokenizer.decode(ids));
        assertEquals("<|im_start|>hi<|im_end|><|endoftext|>", tokenizer.decode(ids, false));
        // Special tokens written in the text are matched as whole tokens, not bytes.
        assertArrayEquals(new int[] {258, 'u', 259}, tokenizer.encode("<|im_start|>u<|im_end|>"));
    }

    @Test
    void encodingAddsNoSpecialTokensByDefault() {
        int[] ids = tokenizer.encode("abc");
        assertEquals(3, ids.length);
        assertFalse(java.util.Arrays.stream(ids).anyMatch(id -> id >= 256));
    }

    @Test
    void vocabularyAndFingerprint() {
        assertEquals(260, tokenizer.vocabSize());
        assertTrue(tokenizer.sha256().matches("[0-9a-f]{64}"), tokenizer.sha256());
    }

    @Test
    void longTextIsNotTruncated() {
        String text = "x".repeat(5000);
        assertEquals(5000, tokenizer.encode(text).length);
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tokenizer.decode(new int[] {72, 260}));
        assertTrue(e.getMessage().contains("260"), e.getMessage());
    }
}

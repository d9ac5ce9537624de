package dev.specula.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.testing.RepoPaths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamingDetokenizerTest {
    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = TextTokenizer.load(ModelFolder.open(RepoPaths.testTiny()));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain ascii", "héllo wörld", "你好，世界", "emoji 🎉🚀 and 👩‍👩‍👧 family",
            "a longer text that makes the window compact several times: " + "ünïcödé 🎉 " + "0123456789 abcdefghij "
                    + "ÆØÅ 日本語 😀 end"})
    void deltasNeverSplitACharacterAndConcatenateToTheText(String text) {
        StreamingDetokenizer stream = tokenizer.newDetokenizer();
        StringBuilder out = new StringBuilder();
        for (int id : tokenizer.encode(text)) {
            String delta = stream.push(id);
            assertFalse(delta.contains("\uFFFD"), "broken character emitted: " + delta);
            if (!delta.isEmpty()) {
                assertFalse(Character.isHighSurrogate(delta.charAt(delta.length() - 1)), "half a surrogate pair");
            }
            out.append(delta);
        }
        out.append(stream.flush());
        assertEquals(text, out.toString());
    }

    @Test
    void aMultiByteCharacterIsHeldUntilItsLastByte() {
        StreamingDetokenizer stream = tokenizer.newDetokenizer();
        List<String> deltas = new ArrayList<>();
        for (int id : new int[] {'h', 0xC3, 0xA9, 0xF0, 0x9F, 0x8E, 0x89}) { // "h", "é", "🎉"
            deltas.add(stream.push(id));
        }
        assertEquals(List.of("h", "", "é", "", "", "", "🎉"), deltas);
    }

    @Test
    void specialTokensProduceNoTextAndFlushReleasesAnIncompleteTail() {
        StreamingDetokenizer stream = tokenizer.newDetokenizer();
        assertEquals("o", stream.push('o'));
        assertEquals("", stream.push(258));
        assertEquals("k", stream.push('k'));
        assertEquals("", stream.push(0xE4)); // first byte of a 3-byte character, then the generation stops
        assertEquals("\uFFFD", stream.flush());
        assertEquals("", stream.flush());
    }
}

package dev.specula.router.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.loop.FinishReason;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Stop strings, stop token ids and per-token chunks, applied token by token to rounds of tokens. */
class OutputFilterTest {
    private static final TextTokenizer TOKENIZER = TextTokenizer.load(ModelFolder.open(Path.of("../models/test-tiny")));

    @AfterAll
    static void close() {
        TOKENIZER.close();
    }

    /** Feeds {@code text}'s tokens in rounds of {@code round} and records what comes out. */
    private static Result run(String text, int round, OutputOptions options) {
        GenerationRequest request = new GenerationRequest(new int[] {1}, RequestMode.SPECULATIVE, 100,
                SamplingParams.GREEDY, 4, false, "t", 0, options);
        Result result = new Result();
        GenerationSink sink = OutputFilter.wrap(request, TOKENIZER, result);
        int[] ids = TOKENIZER.encode(text);
        int sent = 0;
        boolean more = true;
        while (more && sent < ids.length) {
            int[] chunk = Arrays.copyOfRange(ids, sent, Math.min(ids.length, sent + round));
            sent += chunk.length;
            more = sink.chunk(new Chunk(chunk, TOKENIZER.decode(chunk)));
        }
        sink.complete(new Completion(RequestMode.SPECULATIVE, more ? FinishReason.STOP : FinishReason.CANCELLED, 1,
                sent, null, "", 0.1, 0));
        return result;
    }

    @Test
    void stopStringCutsTheTextBeforeItAndEndsTheGeneration() {
        Result r = run("Hello, world! More.", 4, new OutputOptions(null, List.of("world"), false, false));

        assertThat(r.text()).isEqualTo("Hello, ");
        assertThat(r.completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.completion.completionTokens()).isEqualTo(TOKENIZER.encode("Hello, world").length);
    }

    @Test
    void stopStringSpanningRoundsIsFoundAndNeverPartlyReleased() {
        Result r = run("abcdefgh", 1, new OutputOptions(null, List.of("def"), false, true));

        assertThat(r.text()).isEqualTo("abc");
        assertThat(r.pieces).doesNotContain("d", "de");
    }

    @Test
    void includeStopStringKeepsTheMatch() {
        Result r = run("Hello, world! More.", 3, new OutputOptions(null, List.of("world", "Hello, w"), true, false));

        assertThat(r.text()).isEqualTo("Hello, w");
    }

    @Test
    void stopTokenIdEndsBeforeItsOwnText() {
        int comma = TOKENIZER.encode(",")[0];
        Result r = run("Hello, world", 5, new OutputOptions(new int[] {comma}, List.of(), false, false));

        assertThat(r.text()).isEqualTo("Hello");
        assertThat(r.completion.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.completion.completionTokens()).isEqualTo(6);
    }

    @Test
    void tokenChunksEmitOneChunkPerTokenAndHoldBackOnlyPossibleStops() {
        Result r = run("abc", 3, new OutputOptions(null, List.of(), false, true));

        assertThat(r.tokenCounts).containsExactly(1, 1, 1);
        assertThat(r.pieces).containsExactly("a", "b", "c");
        assertThat(r.completion.finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void noOptionsPassesTheSinkThrough() {
        Result sink = new Result();
        GenerationRequest request = new GenerationRequest(new int[] {1}, RequestMode.SPECULATIVE, 10,
                SamplingParams.GREEDY, 4, false);
        assertThat(OutputFilter.wrap(request, TOKENIZER, sink)).isSameAs(sink);
    }

    @Test
    void multiByteCharactersAreNeverSplit() {
        Result r = run("café au lait", 1, new OutputOptions(null, List.of("lait"), false, true));

        assertThat(r.text()).isEqualTo("café au ");
        assertThat(r.pieces).noneMatch(p -> p.contains("\uFFFD"));
    }

    private static final class Result implements GenerationSink {
        final List<String> pieces = new ArrayList<>();
        final List<Integer> tokenCounts = new ArrayList<>();
        Completion completion;

        @Override
        public boolean chunk(Chunk chunk) {
            if (!chunk.text().isEmpty()) {
                pieces.add(chunk.text());
            }
            tokenCounts.add(chunk.tokenIds().length);
            return true;
        }

        @Override
        public void complete(Completion c) {
            completion = c;
        }

        String text() {
            return String.join("", pieces);
        }
    }
}

package dev.specula.runtime.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.runtime.testing.TestModels;
import org.junit.jupiter.api.Test;

class LogLikelihoodTest {
    private final DecoderModel tiny = TestModels.tiny();

    @Test
    void equalsTheMeanOfStepByStepLogProbabilities() {
        int[] prompt = TestModels.tokens(8, 11);
        int[] continuation = TestModels.tokens(5, 12);
        double sum = 0;
        double[] logProbs = new double[tiny.vocabSize()];
        try (DecoderSession session = tiny.newSession()) {
            float[] row = session.forwardLast(prompt, 1);
            for (int token : continuation) {
                LogitsShaper.logSoftmax(row, 0, tiny.vocabSize(), logProbs);
                sum += logProbs[token];
                row = session.forwardLast(new int[] {token}, 1);
            }
        }
        assertEquals(sum / continuation.length, LogLikelihood.mean(tiny, prompt, continuation), 1e-4);
    }

    @Test
    void aModelPrefersItsOwnGreedyTextToNoise() {
        int[] prompt = TestModels.tokens(8, 13);
        int[] greedy = InProcessDecoding.targetOnly(tiny, prompt, SamplingParams.GREEDY,
                new StopCondition(16, new int[0])).tokens();
        assertTrue(LogLikelihood.mean(tiny, prompt, greedy) > LogLikelihood.mean(tiny, prompt, TestModels.tokens(16, 14)));
    }
}

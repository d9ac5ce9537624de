package dev.specula.runtime.bench;

import dev.specula.core.sampling.LogitsShaper;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;

/**
 * How likely a model finds a continuation: the mean log-probability (nats, temperature 1) of each continuation
 * token given the prompt and the tokens before it, from one forward pass. A quality measure for lossy modes: the
 * target model scoring text that the small model wrote in part.
 */
public final class LogLikelihood {

    private LogLikelihood() {
    }

    /**
     * @param model        the scoring model (the target)
     * @param prompt       context, at least one token
     * @param continuation the scored tokens; prompt + continuation must fit the model's context
     * @return mean ln p(continuation[i] | prompt, continuation[..i]); NaN for an empty continuation
     */
    public static double mean(DecoderModel model, int[] prompt, int[] continuation) {
        if (continuation.length == 0) {
            return Double.NaN;
        }
        int vocab = model.vocabSize();
        int[] feed = new int[prompt.length + continuation.length - 1];
        System.arraycopy(prompt, 0, feed, 0, prompt.length);
        System.arraycopy(continuation, 0, feed, prompt.length, continuation.length - 1);
        double[] logProbs = new double[vocab];
        double total = 0;
        try (DecoderSession session = model.newSession()) {
            // Row i predicts continuation[i]: it comes from the prompt's last token (i = 0) or continuation[i - 1].
            float[] rows = session.forwardLast(feed, continuation.length);
            for (int i = 0; i < continuation.length; i++) {
                LogitsShaper.logSoftmax(rows, i * vocab, vocab, logProbs);
                total += logProbs[continuation[i]];
            }
        }
        return total / continuation.length;
    }
}

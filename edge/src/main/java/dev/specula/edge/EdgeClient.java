package dev.specula.edge;

import dev.specula.client.verify.GrpcVerifierChannel;
import dev.specula.client.verify.ResumableVerifierChannel;
import dev.specula.core.loop.DeadlineListener;
import dev.specula.core.loop.DraftDeadline;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.PipelinedSpeculationLoop;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.speculation.ModelDraftSource;
import dev.specula.runtime.tokenizer.StreamingDetokenizer;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.Channel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Speculation split between a device and the cluster: the draft model runs here, on the app's CPU, and each
 * round's draft is verified through the router, which relays the session to a verifier. Output is exactly what
 * the verifier would produce alone (the same lossless rule as in the cluster); the drafting moves off the
 * expensive nodes and the verifier runs one forward per round instead of one per token.
 *
 * <p>Pipelined drafting hides part of each round trip, and a dropped link is resumed from the token history
 * without losing or repeating tokens. Several threads may generate at once: each generation has its own drafter
 * state and verifier session over the shared model.
 */
public final class EdgeClient implements AutoCloseable {
    private final DecoderModel drafter;
    private final TextTokenizer tokenizer;
    private final Channel router;
    private final EdgeOptions options;
    private final int[] stopTokens;
    private final int maxContext;

    private EdgeClient(ModelFolder folder, Channel router, EdgeOptions options) {
        ExecutionSettings settings = ExecutionSettings.defaults().withIntraOpThreads(options.intraOpThreads());
        this.drafter = DecoderModel.load(folder, settings);
        this.tokenizer = TextTokenizer.load(folder);
        this.router = router;
        this.options = options;
        this.stopTokens = folder.generationConfig().eosTokenIds();
        this.maxContext = folder.config().maxPositionEmbeddings();
    }

    /**
     * Loads the local drafter.
     *
     * @param drafterFolder a model folder in the Optimum layout whose tokenizer matches the served verifier's
     *                      (the verifier refuses the session otherwise)
     * @param router        a channel to the router; attach the API key with {@code BearerToken}
     */
    public static EdgeClient open(Path drafterFolder, Channel router, EdgeOptions options) {
        return new EdgeClient(ModelFolder.open(drafterFolder), router, options);
    }

    /**
     * Generates a continuation of {@code prompt}.
     *
     * @throws IllegalArgumentException          for an empty prompt or a budget that does not fit the context
     * @throws io.grpc.StatusRuntimeException    with the router's or verifier's status when they refuse, or when
     *                                           the link stays down beyond the reconnection attempts
     */
    public EdgeResult generate(String prompt, int maxTokens, SamplingParams params, TextListener listener) {
        return generate(prompt, maxTokens, params, false, listener);
    }

    /** As {@link #generate(String, int, SamplingParams, TextListener)}; {@code ignoreEos} generates the full budget. */
    public EdgeResult generate(String prompt, int maxTokens, SamplingParams params, boolean ignoreEos,
                               TextListener listener) {
        int[] promptTokens = tokenizer.encode(prompt);
        if (promptTokens.length == 0) {
            throw new IllegalArgumentException("the prompt is empty");
        }
        if (maxTokens < 1 || promptTokens.length + maxTokens > maxContext) {
            throw new IllegalArgumentException("max tokens must be >= 1 and prompt (" + promptTokens.length
                    + " tokens) + max tokens must fit the context of " + maxContext + ", got " + maxTokens);
        }
        long start = System.nanoTime();
        long[] firstToken = {0};
        StringBuilder text = new StringBuilder();
        StreamingDetokenizer detokenizer = tokenizer.newDetokenizer();
        ResumableVerifierChannel.Opener opener = (context, maxNew) -> GrpcVerifierChannel.open(router, context, params,
                maxNew, tokenizer.sha256(), "", options.roundTimeout());
        AtomicInteger misses = new AtomicInteger();
        DeadlineListener counting = new DeadlineListener() {
            @Override
            public void missed() {
                misses.incrementAndGet();
            }
        };
        // The deadline's wrapper closes the model source only once a draft step it gave up on has returned.
        try (ResumableVerifierChannel verifier = new ResumableVerifierChannel(opener, promptTokens, maxTokens,
                options.reconnect());
             DraftSource drafts = DraftDeadline.of(options.draftStepDeadline())
                     .wrap(new ModelDraftSource(drafter, !ignoreEos), counting)) {
            TokenSequence committed = new TokenSequence(promptTokens);
            GenerationOutcome outcome = new PipelinedSpeculationLoop(drafts, verifier, options.plan().newLengthPolicy(),
                    options.pipelineDepth(), System::nanoTime)
                    .run(committed, params, new StopCondition(maxTokens, ignoreEos ? new int[0] : stopTokens), tokens -> {
                        if (firstToken[0] == 0 && tokens.length > 0) {
                            firstToken[0] = System.nanoTime() - start;
                        }
                        String piece = detokenizer.push(tokens);
                        text.append(piece);
                        return piece.isEmpty() || listener.onText(piece);
                    });
            String tail = detokenizer.flush();
            text.append(tail);
            if (!tail.isEmpty()) {
                listener.onText(tail);
            }
            return new EdgeResult(text.toString(), committed.generated(), outcome.finishReason(), outcome.stats(),
                    verifier.reconnects(), verifier.bytesTransferred(), firstToken[0], System.nanoTime() - start,
                    misses.get());
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        drafter.close();
    }
}

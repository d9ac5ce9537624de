package dev.specula.drafter.engine;

import dev.specula.client.verify.GrpcVerifierChannel;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.NoDrafts;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.config.DrafterProperties;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.ModelDraftSource;
import dev.specula.runtime.speculation.VerifierSession;
import dev.specula.service.error.BackendUnavailableException;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.validation.GenerationLimits;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Owns the draft model and prepares generations: speculative (model drafts checked by a remote verifier over
 * one session stream) or draft-only (the small model decoding alone). Validates before allocating anything.
 */
public final class DrafterEngine implements AutoCloseable {
    private final DrafterProperties properties;
    private final ModelFolder folder;
    private final DecoderModel model;
    private final Channel verifierChannel;
    private final int[] stopTokens;
    private final GenerationLimits limits;

    public DrafterEngine(DrafterProperties properties, Channel verifierChannel) {
        this.properties = properties;
        this.folder = ModelFolder.open(properties.modelPath());
        this.model = DecoderModel.load(folder, properties.intraOpThreads() == 0 ? ExecutionSettings.defaults()
                : ExecutionSettings.defaults().withIntraOpThreads(properties.intraOpThreads()));
        this.verifierChannel = verifierChannel;
        this.stopTokens = folder.generationConfig().eosTokenIds();
        this.limits = new GenerationLimits(model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                properties.maxNewTokensCap());
    }

    /**
     * @param draftLength 0 = the configured default
     * @throws InvalidRequestException for bad input, {@link BackendUnavailableException} when no verifier answers
     */
    public Generation speculative(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                                  int draftLength) {
        validate(prompt, maxNewTokens);
        int k = draftLength == 0 ? properties.defaultDraftLength() : draftLength;
        if (k < 1 || k > properties.maxDraftLength()) {
            throw new InvalidRequestException("draft_length must be in 1.." + properties.maxDraftLength() + ", got " + k);
        }
        GrpcVerifierChannel verifier;
        try {
            verifier = GrpcVerifierChannel.open(verifierChannel, prompt, params, maxNewTokens,
                    folder.tokenizerFile().sha256(), properties.roundTimeout());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                throw new BackendUnavailableException("no verifier reachable: " + e.getStatus().getDescription(), e);
            }
            throw e;
        }
        return new Generation(new ModelDraftSource(model), verifier, new FixedDraftLength(k), stop(maxNewTokens, ignoreEos));
    }

    /** The small model alone: plain decoding steps of the draft model. */
    public Generation draftOnly(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos) {
        validate(prompt, maxNewTokens);
        return new Generation(NoDrafts.INSTANCE, VerifierSession.open(model, prompt, params), new FixedDraftLength(0),
                stop(maxNewTokens, ignoreEos));
    }

    private StopCondition stop(int maxNewTokens, boolean ignoreEos) {
        return new StopCondition(maxNewTokens, ignoreEos ? new int[0] : stopTokens);
    }

    private void validate(int[] prompt, int maxNewTokens) {
        limits.check(prompt, maxNewTokens);
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    @Override
    public void close() {
        model.close();
    }
}

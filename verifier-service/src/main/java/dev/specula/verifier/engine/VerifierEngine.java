package dev.specula.verifier.engine;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.VerifierSession;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.validation.GenerationLimits;
import dev.specula.verifier.config.VerifierProperties;

/**
 * Owns the target model and admits verification sessions. Validation happens here, before any KV is
 * allocated: prompt length against the context, the generation budget against the cap.
 */
public final class VerifierEngine implements AutoCloseable {
    private final DecoderModel model;
    private final ModelFolder folder;
    private final SessionRegistry sessions;
    private final GenerationLimits limits;
    private final int[] stopTokens;

    public VerifierEngine(VerifierProperties properties) {
        this.folder = ModelFolder.open(properties.modelPath());
        this.model = DecoderModel.load(folder, properties.intraOpThreads() == 0 ? ExecutionSettings.defaults()
                : ExecutionSettings.defaults().withIntraOpThreads(properties.intraOpThreads()));
        this.sessions = new SessionRegistry(properties.maxSessions());
        this.limits = new GenerationLimits(model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                properties.maxNewTokensCap());
        this.stopTokens = folder.generationConfig().eosTokenIds();
    }

    /**
     * Opens a session on a prompt. The caller must {@link ActiveSession#close()} it.
     *
     * @param drafterTokenizerSha the drafter's tokenizer.json SHA-256, or empty to skip the check
     */
    public ActiveSession open(int[] prompt, SamplingParams params, int maxNewTokens, String drafterTokenizerSha) {
        validate(prompt, maxNewTokens);
        if (!drafterTokenizerSha.isEmpty() && !drafterTokenizerSha.equals(tokenizerSha256())) {
            throw new InvalidRequestException("drafter tokenizer " + drafterTokenizerSha
                    + " differs from the verifier's " + tokenizerSha256() + ": token ids would not mean the same text");
        }
        sessions.admit();
        try {
            return new ActiveSession(VerifierSession.open(model, prompt, params), sessions);
        } catch (RuntimeException e) {
            sessions.release();
            throw e;
        }
    }

    public void validate(int[] prompt, int maxNewTokens) {
        limits.check(prompt, maxNewTokens);
    }

    public StopCondition stopCondition(int maxNewTokens, boolean ignoreEos) {
        return new StopCondition(maxNewTokens, ignoreEos ? new int[0] : stopTokens);
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    public int maxContext() {
        return model.config().maxPositionEmbeddings();
    }

    public String tokenizerSha256() {
        return folder.tokenizerFile().sha256();
    }

    public int openSessions() {
        return sessions.openSessions();
    }

    @Override
    public void close() {
        model.close();
    }
}

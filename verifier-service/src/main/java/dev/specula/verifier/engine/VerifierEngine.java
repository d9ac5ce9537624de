package dev.specula.verifier.engine;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.engine.BatchListener;
import dev.specula.runtime.engine.BlockStore;
import dev.specula.runtime.engine.EngineSettings;
import dev.specula.runtime.engine.KvBlocks;
import dev.specula.runtime.engine.KvBudgetExhaustedException;
import dev.specula.runtime.engine.SchedulerSettings;
import dev.specula.runtime.engine.ServingEngine;
import dev.specula.runtime.engine.WriteFence;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.error.OverloadedException;
import dev.specula.service.validation.GenerationLimits;
import dev.specula.verifier.config.VerifierProperties;
import java.util.function.BiFunction;

/**
 * Owns the target model and admits verification sessions. Validation happens here, before any KV is
 * allocated: prompt length against the context, the generation budget against the cap, the tenant name. The
 * KV side (budget, batching, prefix cache, store) is the runtime's {@link ServingEngine}.
 */
public final class VerifierEngine implements AutoCloseable {
    /** The tenant of requests that name none. */
    public static final String DEFAULT_TENANT = "default";
    private static final int MAX_TENANT_LENGTH = 128;

    private final DecoderModel model;
    private final ModelFolder folder;
    private final SessionRegistry sessions;
    private final GenerationLimits limits;
    private final int[] stopTokens;
    private final ServingEngine serving;
    private final BlockStore store;

    /** An engine without a KV store (offload and restore off; the prefix cache still works). */
    public VerifierEngine(VerifierProperties properties) {
        this(properties, (codec, blockTokens) -> BlockStore.NONE, BatchListener.NONE);
    }

    /**
     * @param storeFactory the KV store client for this model's block codec and block size
     * @param listener     observes scheduler steps (metrics)
     */
    public VerifierEngine(VerifierProperties properties, BiFunction<String, Integer, BlockStore> storeFactory,
                          BatchListener listener) {
        this.folder = ModelFolder.open(properties.modelPath());
        this.model = DecoderModel.load(folder,
                ExecutionSettings.configured(properties.intraOpThreads(), properties.cudaDevice()));
        try {
            this.sessions = new SessionRegistry(properties.maxSessions());
            this.limits = new GenerationLimits(model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                    properties.maxNewTokensCap());
            this.stopTokens = folder.generationConfig().eosTokenIds();
            this.store = storeFactory.apply(KvBlocks.codec(model.signature()), properties.blockTokens());
            this.serving = new ServingEngine(model, settings(properties), store, listener);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    static EngineSettings settings(VerifierProperties p) {
        return new EngineSettings(p.kvBudgetBytes().toBytes(), p.admissionWait(), p.idleEvictAfter(), p.blockTokens(),
                p.prefixCacheBytes().toBytes(), p.offloadInFlightBytes().toBytes(),
                new SchedulerSettings(p.maxBatchSessions(), p.maxBatchTokens(), p.prefillChunkTokens(),
                        p.batchStagingRetainBytes().toBytes()), p.batching());
    }

    /**
     * Opens a session on a prompt. The caller must {@link ActiveSession#close()} it.
     *
     * @param tenant              KV namespace; empty = {@link #DEFAULT_TENANT}
     * @param drafterTokenizerSha the drafter's tokenizer.json SHA-256, or empty to skip the check
     * @throws OverloadedException at the session limit, or when no KV memory frees up within the admission wait
     */
    public ActiveSession open(String tenant, int[] prompt, SamplingParams params, int maxNewTokens,
                              String drafterTokenizerSha) {
        return open(tenant, WriteFence.NONE, prompt, params, maxNewTokens, drafterTokenizerSha);
    }

    /**
     * {@link #open(String, int[], SamplingParams, int, String)} for a generation the router fenced: the session's KV
     * offload writes carry {@code fence}, so the store refuses them once the generation has moved on to a newer epoch.
     */
    public ActiveSession open(String tenant, WriteFence fence, int[] prompt, SamplingParams params, int maxNewTokens,
                              String drafterTokenizerSha) {
        validate(prompt, maxNewTokens);
        String namespace = tenant(tenant);
        if (!drafterTokenizerSha.isEmpty() && !drafterTokenizerSha.equals(tokenizerSha256())) {
            throw new InvalidRequestException("drafter tokenizer " + drafterTokenizerSha
                    + " differs from the verifier's " + tokenizerSha256() + ": token ids would not mean the same text");
        }
        sessions.admit();
        try {
            return new ActiveSession(serving.open(namespace, fence, prompt, params, maxNewTokens), sessions);
        } catch (KvBudgetExhaustedException e) {
            sessions.release();
            throw new OverloadedException(e.getMessage());
        } catch (RuntimeException e) {
            sessions.release();
            throw e;
        }
    }

    /** {@link #open(String, int[], SamplingParams, int, String)} in the default tenant. */
    public ActiveSession open(int[] prompt, SamplingParams params, int maxNewTokens, String drafterTokenizerSha) {
        return open("", prompt, params, maxNewTokens, drafterTokenizerSha);
    }

    public void validate(int[] prompt, int maxNewTokens) {
        limits.check(prompt, maxNewTokens);
    }

    /** The tenant name as the KV store accepts it (1..128 characters, no control characters). */
    static String tenant(String requested) {
        if (requested == null || requested.isEmpty()) {
            return DEFAULT_TENANT;
        }
        if (requested.length() > MAX_TENANT_LENGTH || requested.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("tenant must be 1.." + MAX_TENANT_LENGTH
                    + " characters without control characters");
        }
        return requested;
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

    /** The model's name in metrics: its folder's name. */
    public String modelName() {
        return folder.root().getFileName().toString();
    }

    public int openSessions() {
        return sessions.openSessions();
    }

    /** The KV side: budget, counters, prefix cache, scheduler. */
    public ServingEngine serving() {
        return serving;
    }

    public BlockStore store() {
        return store;
    }

    @Override
    public void close() {
        try {
            serving.close();
        } finally {
            model.close();
        }
    }
}

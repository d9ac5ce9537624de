package dev.specula.drafter.engine;

import dev.specula.client.verify.GrpcVerifierChannel;
import dev.specula.core.draft.AnswerDraftSource;
import dev.specula.core.draft.HybridDraftSource;
import dev.specula.core.draft.NgramDraftSource;
import dev.specula.core.loop.AlwaysVerify;
import dev.specula.core.loop.DeadlineListener;
import dev.specula.core.loop.DraftDeadline;
import dev.specula.core.loop.Draft;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.NoDrafts;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.loop.SwitchingPolicy;
import dev.specula.core.loop.TokenSequence;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.EscalationDraftLength;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.config.DrafterProperties;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.v1.GenerationFence;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.ModelDraftSource;
import dev.specula.runtime.speculation.VerifierSession;
import dev.specula.service.error.BackendUnavailableException;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.error.VerifierLostException;
import dev.specula.service.validation.GenerationLimits;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.LongSupplier;

/**
 * Owns the draft model and prepares generations: speculative (drafts checked by a remote verifier over one
 * session stream; drafts from the model, n-gram lookup or both), entropy-adaptive (the same, trusting the small
 * model while it is certain), cascade (the small model's whole answer, escalated to the verifier when unsure) and
 * draft-only (the small model decoding alone). Validates before allocating anything.
 */
public final class DrafterEngine implements AutoCloseable {
    private final DrafterProperties properties;
    private final ModelFolder folder;
    private final DecoderModel model;
    private final VerifierChannels verifierChannels;
    private final int[] stopTokens;
    private final GenerationLimits limits;
    private final DraftDeadline deadline;
    private final DeadlineListener deadlineListener;
    private final DraftSourceDecorator decorator;

    public DrafterEngine(DrafterProperties properties, VerifierChannels verifierChannels) {
        this(properties, verifierChannels, DeadlineListener.NONE, DraftSourceDecorator.NONE);
    }

    /**
     * @param deadlineListener hears the draft step deadline's misses (the metrics)
     * @param decorator        wraps each generation's draft source inside the deadline (fault injection in tests)
     */
    public DrafterEngine(DrafterProperties properties, VerifierChannels verifierChannels,
                         DeadlineListener deadlineListener, DraftSourceDecorator decorator) {
        this.properties = properties;
        this.folder = ModelFolder.open(properties.modelPath());
        this.model = DecoderModel.load(folder,
                ExecutionSettings.configured(properties.intraOpThreads(), properties.cudaDevice()));
        this.verifierChannels = verifierChannels;
        this.stopTokens = folder.generationConfig().eosTokenIds();
        this.limits = new GenerationLimits(model.config().vocabSize(), model.config().maxPositionEmbeddings(),
                properties.maxNewTokensCap());
        this.deadline = DraftDeadline.of(properties.draftStepDeadline());
        this.deadlineListener = deadlineListener;
        this.decorator = decorator;
    }

    /**
     * The request's plan: its policy fields over this drafter's defaults.
     *
     * @param draftLength fixed k (adaptive: the first rounds' k); 0 = the configured default
     * @throws InvalidRequestException for lengths outside 1..max-draft-length or inconsistent settings
     */
    public SpeculationPlan plan(SpeculationPolicy policy, int draftLength) {
        int max = properties.maxDraftLength();
        if (draftLength < 0 || draftLength > max) {
            throw new InvalidRequestException("draft_length must be in 1.." + max + ", got " + draftLength);
        }
        if (policy.getMaxDraftLength() < 0 || policy.getMaxDraftLength() > max) {
            throw new InvalidRequestException("max_draft_length must be in 1.." + max + ", got "
                    + policy.getMaxDraftLength());
        }
        SpeculationPlan plan;
        try {
            plan = PolicyMapping.plan(policy, draftLength, properties.policy().plan(properties.defaultDraftLength()));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (plan.draftSource() == DraftSourceKind.NONE) {
            throw new InvalidRequestException("draft_source none drafts nothing: use mode target-only or draft-only");
        }
        return plan;
    }

    /**
     * Lossless speculative decoding with the plan's draft source and draft-length policy.
     *
     * @throws InvalidRequestException for bad input, {@link BackendUnavailableException} when no verifier answers
     */
    public Generation speculative(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                                  SpeculationPlan plan, SessionRoute route) {
        return loop(prompt, params, maxNewTokens, ignoreEos, plan, AlwaysVerify.INSTANCE, route);
    }

    /** Entropy-adaptive (lossy): as speculative, committing the small model's tokens unverified while it is sure. */
    public Generation entropyAdaptive(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                                      SpeculationPlan plan, SessionRoute route) {
        return loop(prompt, params, maxNewTokens, ignoreEos, plan, plan.newEntropySwitch(), route);
    }

    /** Cascade, first step: the small model's whole answer and whether the plan's cascade rule escalates it. */
    public CascadeAnswer answer(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                                SpeculationPlan plan) {
        validate(prompt, maxNewTokens);
        Draft answer;
        try (ModelDraftSource small = new ModelDraftSource(model, !ignoreEos)) {
            answer = small.draft(new TokenSequence(prompt), maxNewTokens, params);
        }
        boolean stopped = !ignoreEos && answer.length() > 0
                && stop(maxNewTokens, false).isStopToken(answer.tokens()[answer.length() - 1]);
        return new CascadeAnswer(answer, plan.cascade().score(answer), !plan.cascade().accepts(answer),
                stopped ? FinishReason.STOP : FinishReason.LENGTH);
    }

    /**
     * Cascade, escalation: the verifier checks the answer as drafts in chunks of the plan's max draft length; the
     * prefix it accepts is kept, and past the first rejection the plan's draft source continues speculatively.
     * Greedy escalations give exactly target-only output. Sampled ones verify each answer token against the
     * distribution it was drawn from, but only answers that failed the confidence test get here, so that selection
     * leaves them close to, not exactly, target-distributed (cascade is a lossy mode as a whole).
     */
    public Generation escalate(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                               SpeculationPlan plan, Draft answer, SessionRoute route) {
        validate(prompt, maxNewTokens);
        GrpcVerifierChannel verifier = openVerifier(prompt, params, maxNewTokens, route);
        AnswerDraftSource replay = new AnswerDraftSource(answer, prompt.length);
        DraftSource afterwards = source(plan, ignoreEos);
        return new Generation(timed(new HybridDraftSource(replay, afterwards, false)), verifier,
                new EscalationDraftLength(replay, plan.maxDraftLength(), plan.newLengthPolicy()), AlwaysVerify.INSTANCE,
                stop(maxNewTokens, ignoreEos), plan.draftSource(), plan.lengthMode(), ngramDrafts(afterwards));
    }

    /** The small model alone: plain decoding steps of the draft model. */
    public Generation draftOnly(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos) {
        validate(prompt, maxNewTokens);
        return new Generation(NoDrafts.INSTANCE, VerifierSession.open(model, prompt, params), new FixedDraftLength(0),
                AlwaysVerify.INSTANCE, stop(maxNewTokens, ignoreEos), DraftSourceKind.NONE, DraftLengthMode.FIXED,
                () -> 0);
    }

    private Generation loop(int[] prompt, SamplingParams params, int maxNewTokens, boolean ignoreEos,
                            SpeculationPlan plan, SwitchingPolicy switching, SessionRoute route) {
        validate(prompt, maxNewTokens);
        GrpcVerifierChannel verifier = openVerifier(prompt, params, maxNewTokens, route);
        DraftSource source = source(plan, ignoreEos);
        return new Generation(timed(source), verifier, plan.newLengthPolicy(), switching, stop(maxNewTokens, ignoreEos),
                plan.draftSource(), plan.lengthMode(), ngramDrafts(source));
    }

    /**
     * {@code source} held to the draft step deadline: a round whose draft is late goes to the verifier without it
     * (lossless), so a slow or wedged draft model costs about target-only speed instead of stalling the request.
     */
    private DraftSource timed(DraftSource source) {
        return deadline.wrap(decorator.decorate(source), deadlineListener);
    }

    /** A fresh draft source of the plan's kind for one generation. */
    private DraftSource source(SpeculationPlan plan, boolean ignoreEos) {
        return switch (plan.draftSource()) {
            case MODEL -> new ModelDraftSource(model, !ignoreEos);
            case NGRAM -> plan.newNgramSource();
            case HYBRID -> new HybridDraftSource(plan.newNgramSource(), new ModelDraftSource(model, !ignoreEos), true);
            case NONE -> NoDrafts.INSTANCE;
        };
    }

    private static LongSupplier ngramDrafts(DraftSource source) {
        if (source instanceof NgramDraftSource lookup) {
            return lookup::drafts;
        }
        if (source instanceof HybridDraftSource hybrid) {
            return hybrid::firstDrafts;
        }
        return () -> 0;
    }

    private GrpcVerifierChannel openVerifier(int[] prompt, SamplingParams params, int maxNewTokens,
                                             SessionRoute route) {
        Channel channel = verifierChannels.channel(route.verifierEndpoint());
        try {
            return GrpcVerifierChannel.open(channel, prompt, params, maxNewTokens,
                    folder.tokenizerFile().sha256(), route.tenant(), GenerationFence.newBuilder()
                            .setGenerationId(route.generationId()).setEpoch(route.epoch()).build(),
                    properties.roundTimeout());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                throw new VerifierLostException("no verifier reachable: " + e.getStatus().getDescription(), e);
            }
            throw e;
        }
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

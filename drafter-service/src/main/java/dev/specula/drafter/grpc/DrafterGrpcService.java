package dev.specula.drafter.grpc;

import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.config.DrafterProperties;
import dev.specula.drafter.engine.CascadeAnswer;
import dev.specula.drafter.engine.DrafterEngine;
import dev.specula.drafter.engine.Generation;
import dev.specula.drafter.engine.SessionRoute;
import dev.specula.drafter.engine.VerifierLossReporting;
import dev.specula.drafter.metrics.DrafterMetrics;
import dev.specula.drafter.tracing.RoundTracing;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.grpc.FlowControlledSender;
import dev.specula.service.grpc.GenerationStreamer;
import dev.specula.service.grpc.MalformedFrames;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;

/**
 * gRPC edge of the drafter: maps the request and its plan, prepares the generation, streams the shared loop's
 * output (or a cascade's unescalated answer), and reports what the policies decided.
 */
@Service
public class DrafterGrpcService implements DrafterGrpc.AsyncService, BindableService {
    private final DrafterEngine engine;
    private final DrafterMetrics metrics;
    private final Duration maxStall;
    private final RoundTracing tracing;

    public DrafterGrpcService(DrafterEngine engine, DrafterMetrics metrics, DrafterProperties properties,
                              RoundTracing tracing) {
        this.engine = engine;
        this.metrics = metrics;
        this.tracing = tracing;
        this.maxStall = properties.streamStallTimeout();
    }

    @Override
    public void generate(DraftGenerateRequest request, StreamObserver<GenerateEvent> responses) {
        metrics.generationOpened();
        try {
            generate(request, new FlowControlledSender<>((ServerCallStreamObserver<GenerateEvent>) responses,
                    maxStall));
        } finally {
            metrics.generationClosed();
        }
    }

    private void generate(DraftGenerateRequest request, FlowControlledSender<GenerateEvent> out) {
        int[] prompt = ProtoMapping.tokens(request.getPromptTokenIdsList(), engine.vocabSize());
        SamplingParams params = ProtoMapping.sampling(request.getSampling());
        Mode mode = request.getMode() == Mode.MODE_UNSPECIFIED ? Mode.MODE_SPECULATIVE : request.getMode();
        int maxNew = request.getMaxNewTokens();
        boolean ignoreEos = request.getIgnoreEos();
        switch (mode) {
            case MODE_SPECULATIVE -> {
                SpeculationPlan plan = engine.plan(request.getPolicy(), request.getDraftLength());
                run(engine.speculative(prompt, params, maxNew, ignoreEos, plan, route(request)), mode, prompt,
                        params, s -> { }, out);
            }
            case MODE_ENTROPY_ADAPTIVE -> {
                SpeculationPlan plan = engine.plan(request.getPolicy(), request.getDraftLength());
                run(engine.entropyAdaptive(prompt, params, maxNew, ignoreEos, plan, route(request)), mode, prompt,
                        params, s -> { }, out);
            }
            case MODE_CASCADE -> cascade(engine.plan(request.getPolicy(), request.getDraftLength()), prompt, params,
                    maxNew, ignoreEos, route(request), out);
            // The small model decided every token: none was verified by the target.
            case MODE_DRAFT_ONLY -> run(engine.draftOnly(prompt, params, maxNew, ignoreEos), mode, prompt, params,
                    s -> s.getStatsBuilder().setUnverifiedTokens(s.getCompletionTokens())
                            .setLargeModelTokenFraction(s.getCompletionTokens() == 0 ? 1.0 : 0.0), out);
            default -> throw new InvalidRequestException("the drafter runs modes speculative and draft-only, "
                    + "entropy-adaptive and cascade, not " + mode);
        }
    }

    private void run(Generation generation, Mode mode, int[] prompt, SamplingParams params,
                     Consumer<GenerationSummary.Builder> extras, FlowControlledSender<GenerateEvent> out) {
        try (generation) {
            long start = System.nanoTime();
            GenerationOutcome outcome = GenerationStreamer.stream(generation.drafter(),
                    metrics.timed(VerifierLossReporting.of(generation.verifier())), generation.policy(),
                    generation.switching(), prompt, params, generation.stop(), mode, generation.cachedTokens(),
                    summary -> {
                        summary.setDraftSource(PolicyMapping.draftSource(generation.source()))
                                .setDraftLengthMode(PolicyMapping.lengthMode(generation.lengthMode()));
                        summary.getStatsBuilder().setNgramDrafts(generation.ngramDrafts().getAsLong());
                        extras.accept(summary);
                    }, tracing.forCurrentRequest(), out);
            double seconds = (System.nanoTime() - start) / 1e9;
            metrics.recordGeneration(label(mode), outcome, seconds);
            metrics.recordPolicies(label(mode), label(generation.source()), label(generation.lengthMode()),
                    outcome.stats(), generation.ngramDrafts().getAsLong());
        }
    }

    /** The small model answers; a sure answer is returned as it is, an unsure one escalates to the verifier. */
    private void cascade(SpeculationPlan plan, int[] prompt, SamplingParams params, int maxNew, boolean ignoreEos,
                         SessionRoute route, FlowControlledSender<GenerateEvent> out) {
        long start = System.nanoTime();
        CascadeAnswer answer = engine.answer(prompt, params, maxNew, ignoreEos, plan);
        metrics.recordCascade(answer.escalate());
        if (answer.escalate()) {
            run(engine.escalate(prompt, params, maxNew, ignoreEos, plan, answer.answer(), route), Mode.MODE_CASCADE,
                    prompt, params, summary -> summary.getStatsBuilder().setEscalations(1).setCascadeScore(answer.score()),
                    out);
            return;
        }
        int tokens = answer.answer().length();
        SpeculationStats stats = SpeculationStats.newBuilder()
                .setMeanAcceptanceLength(1.0)
                .setUnverifiedTokens(tokens)
                .setLargeModelTokenFraction(tokens == 0 ? 1.0 : 0.0)
                .setCascadeScore(answer.score())
                .build();
        GenerationStreamer.streamTokens(prompt, answer.answer().tokens(), answer.finishReason(), Mode.MODE_CASCADE,
                stats, summary -> summary.setDraftSource(PolicyMapping.draftSource(DraftSourceKind.NONE))
                        .setDraftLengthMode(PolicyMapping.lengthMode(plan.lengthMode())), start, out);
        metrics.recordAnswered(answer.finishReason(), tokens, (System.nanoTime() - start) / 1e9);
    }

    private static SessionRoute route(DraftGenerateRequest request) {
        return new SessionRoute(request.getTenant(), request.getVerifierEndpoint(),
                request.getFence().getGenerationId(), request.getFence().getEpoch());
    }

    private static String label(Mode mode) {
        return switch (mode) {
            case MODE_DRAFT_ONLY -> "draft-only";
            case MODE_ENTROPY_ADAPTIVE -> "entropy-adaptive";
            case MODE_CASCADE -> "cascade";
            default -> "speculative";
        };
    }

    private static String label(DraftSourceKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String label(DraftLengthMode lengthMode) {
        return lengthMode.name().toLowerCase(Locale.ROOT);
    }

    /** A request frame that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN (RELIABILITY.md #20). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedFrames.refused(DrafterGrpc.bindService(this));
    }
}

package dev.specula.router.grpc;

import dev.specula.core.policy.DraftLengthMode;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.router.admission.Admission;
import dev.specula.router.admission.TenantQuotaExceededException;
import dev.specula.router.auth.GrpcAuthInterceptor;
import dev.specula.router.config.RouterProperties;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationInput;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationSink;
import dev.specula.router.plan.GenerationStats;
import dev.specula.router.plan.PolicyPlanner;
import dev.specula.router.plan.RequestMode;
import dev.specula.router.plan.RequestValidator;
import dev.specula.router.plan.SideChannelGuard;
import dev.specula.service.grpc.FlowControlledSender;
import dev.specula.service.grpc.MalformedFrames;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Locale;
import org.springframework.stereotype.Service;

/** gRPC front door: maps the request, runs the shared generation path, maps chunks and the summary. */
@Service
public class RouterGrpcService implements RouterGrpc.AsyncService, BindableService {
    private final RequestValidator validator;
    /** Acceptance figures in the summary (off when tenants share the router: they fingerprint prompts). */
    private final boolean exposeStats;
    private final GenerationService generations;
    private final PolicyPlanner planner;
    private final Duration maxStall;
    private final Admission admission;

    public RouterGrpcService(RequestValidator validator, PolicyPlanner planner, GenerationService generations,
                             RouterProperties properties, SideChannelGuard sideChannel, Admission admission) {
        this.admission = admission;
        this.exposeStats = sideChannel.exposeStats();
        this.validator = validator;
        this.generations = generations;
        this.planner = planner;
        this.maxStall = properties.streamStallTimeout();
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateEvent> responses) {
        var out = new FlowControlledSender<>((ServerCallStreamObserver<GenerateEvent>) responses, maxStall);
        var planned = validator.validate(input(request));
        planned = planned.withPlan(planner.plan(request.getPolicy(), planned.draftLength()));
        Admission.Permit slot;
        try {
            slot = admission.admit(Admission.Door.GRPC, planned.tenant(), Admission.promptBytes(planned));
        } catch (TenantQuotaExceededException e) {
            // Closed here rather than thrown, to carry the retry-after trailer the auth interceptor sends too.
            Metadata trailers = new Metadata();
            trailers.put(GrpcAuthInterceptor.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            responses.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException(trailers));
            return;
        }
        try (slot) {
            generate(planned, out);
        }
    }

    private void generate(GenerationRequest planned, FlowControlledSender<GenerateEvent> out) {
        generations.generate(planned, new GenerationSink() {
            @Override
            public boolean chunk(Chunk chunk) {
                TokenChunk.Builder message = TokenChunk.newBuilder().setText(chunk.text());
                for (int id : chunk.tokenIds()) {
                    message.addTokenIds(id);
                }
                return out.send(GenerateEvent.newBuilder().setChunk(message).build());
            }

            @Override
            public void complete(Completion completion) {
                out.send(GenerateEvent.newBuilder().setSummary(summary(completion)).build());
                out.complete();
            }
        });
    }

    /**
     * The proto request as the validator's raw fields, so both front doors go through the same checks. Proto3
     * defaults keep their documented meaning: max_tokens 0 is sent as 0 (and refused), temperature 0 is greedy,
     * top_p 0 is unset (1), and the seed is always the given one (0 included), so a gRPC replay stays reproducible.
     */
    private static GenerationInput input(GenerateRequest request) {
        dev.specula.proto.v1.SamplingParams sampling = request.getSampling();
        return GenerationInput.text(request.getPrompt())
                .mode(mode(request.getMode()))
                .maxTokens(request.getMaxTokens(), "max_tokens")
                .temperature(sampling.getTemperature())
                .topP(sampling.getTopP() == 0.0 ? null : sampling.getTopP())
                .topK(sampling.getTopK())
                .seed(sampling.getSeed())
                .draftLength(request.getDraftLength())
                .ignoreEos(request.getIgnoreEos())
                .tenant(GrpcAuthInterceptor.currentTenant());
    }

    private static RequestMode mode(Mode mode) {
        return switch (mode) {
            case MODE_UNSPECIFIED, MODE_SPECULATIVE -> RequestMode.SPECULATIVE;
            case MODE_TARGET_ONLY -> RequestMode.TARGET_ONLY;
            case MODE_DRAFT_ONLY -> RequestMode.DRAFT_ONLY;
            case MODE_ENTROPY_ADAPTIVE -> RequestMode.ENTROPY_ADAPTIVE;
            case MODE_CASCADE -> RequestMode.CASCADE;
            default -> null;
        };
    }

    private GenerationSummary summary(Completion completion) {
        GenerationSummary.Builder summary = GenerationSummary.newBuilder()
                .setMode(switch (completion.mode()) {
                    case SPECULATIVE -> Mode.MODE_SPECULATIVE;
                    case TARGET_ONLY -> Mode.MODE_TARGET_ONLY;
                    case DRAFT_ONLY -> Mode.MODE_DRAFT_ONLY;
                    case ENTROPY_ADAPTIVE -> Mode.MODE_ENTROPY_ADAPTIVE;
                    case CASCADE -> Mode.MODE_CASCADE;
                })
                .setFinishReason(ProtoMapping.finishReason(completion.finishReason()))
                .setPromptTokens(completion.promptTokens())
                .setCompletionTokens(completion.completionTokens())
                .setFallbackReason(completion.fallbackReason())
                .setElapsedSeconds(completion.elapsedSeconds())
                .setCachedTokens(completion.cachedTokens());
        GenerationStats stats = completion.stats();
        if (stats != null && exposeStats) {
            SpeculationStats.Builder s = SpeculationStats.newBuilder()
                    .setRounds(stats.rounds()).setDrafts(stats.drafts()).setDraftTokens(stats.draftTokens())
                    .setAcceptedTokens(stats.acceptedTokens()).setAcceptanceRate(stats.acceptanceRate())
                    .setMeanAcceptanceLength(stats.meanAcceptanceLength())
                    .setMeanDraftLength(stats.meanDraftLength()).setZeroDraftRounds(stats.zeroDraftRounds())
                    .setDraftLengthChanges(stats.draftLengthChanges()).setUnverifiedTokens(stats.unverifiedTokens())
                    .setModelSwitches(stats.modelSwitches())
                    .setLargeModelTokenFraction(stats.largeModelTokenFraction())
                    .setEscalations(stats.escalations()).setCascadeScore(stats.cascadeScore())
                    .setNgramDrafts(stats.ngramDrafts());
            for (long n : stats.acceptedPerPosition()) {
                s.addAcceptedPerPosition(n);
            }
            summary.setStats(s);
            if (!stats.draftSource().isEmpty()) {
                summary.setDraftSource(PolicyMapping.draftSource(
                        DraftSourceKind.valueOf(stats.draftSource().toUpperCase(Locale.ROOT))));
            }
            if (!stats.lengthMode().isEmpty()) {
                summary.setDraftLengthMode(PolicyMapping.lengthMode(
                        DraftLengthMode.valueOf(stats.lengthMode().toUpperCase(Locale.ROOT))));
            }
        }
        return summary.build();
    }

    /** A request frame that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN (RELIABILITY.md #20). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedFrames.refused(RouterGrpc.bindService(this));
    }
}

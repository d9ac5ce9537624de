package dev.specula.router.grpc;

import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.proto.v1.TokenChunk;
import dev.specula.router.auth.GrpcAuthInterceptor;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationSink;
import dev.specula.router.plan.GenerationStats;
import dev.specula.router.plan.RequestMode;
import dev.specula.router.plan.RequestValidator;
import dev.specula.service.grpc.FlowControlledSender;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.springframework.stereotype.Service;

/** gRPC front door: maps the request, runs the shared generation path, maps chunks and the summary. */
@Service
public class RouterGrpcService extends RouterGrpc.RouterImplBase {
    private static final Duration MAX_STALL = Duration.ofSeconds(30);
    private final RequestValidator validator;
    private final GenerationService generations;

    public RouterGrpcService(RequestValidator validator, GenerationService generations) {
        this.validator = validator;
        this.generations = generations;
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateEvent> responses) {
        var out = new FlowControlledSender<>((ServerCallStreamObserver<GenerateEvent>) responses, MAX_STALL);
        var planned = validator.validate(request.getPrompt(), mode(request.getMode()), request.getMaxTokens(),
                ProtoMapping.sampling(request.getSampling()), request.getDraftLength(), request.getIgnoreEos())
                .withTenant(GrpcAuthInterceptor.currentTenant());
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

    private static RequestMode mode(Mode mode) {
        return switch (mode) {
            case MODE_UNSPECIFIED, MODE_SPECULATIVE -> RequestMode.SPECULATIVE;
            case MODE_TARGET_ONLY -> RequestMode.TARGET_ONLY;
            case MODE_DRAFT_ONLY -> RequestMode.DRAFT_ONLY;
            default -> null;
        };
    }

    private static GenerationSummary summary(Completion completion) {
        GenerationSummary.Builder summary = GenerationSummary.newBuilder()
                .setMode(switch (completion.mode()) {
                    case SPECULATIVE -> Mode.MODE_SPECULATIVE;
                    case TARGET_ONLY -> Mode.MODE_TARGET_ONLY;
                    case DRAFT_ONLY -> Mode.MODE_DRAFT_ONLY;
                })
                .setFinishReason(ProtoMapping.finishReason(completion.finishReason()))
                .setPromptTokens(completion.promptTokens())
                .setCompletionTokens(completion.completionTokens())
                .setFallbackReason(completion.fallbackReason())
                .setElapsedSeconds(completion.elapsedSeconds());
        GenerationStats stats = completion.stats();
        if (stats != null) {
            SpeculationStats.Builder s = SpeculationStats.newBuilder()
                    .setRounds(stats.rounds()).setDrafts(stats.drafts()).setDraftTokens(stats.draftTokens())
                    .setAcceptedTokens(stats.acceptedTokens()).setAcceptanceRate(stats.acceptanceRate())
                    .setMeanAcceptanceLength(stats.meanAcceptanceLength());
            for (long n : stats.acceptedPerPosition()) {
                s.addAcceptedPerPosition(n);
            }
            summary.setStats(s);
        }
        return summary.build();
    }
}

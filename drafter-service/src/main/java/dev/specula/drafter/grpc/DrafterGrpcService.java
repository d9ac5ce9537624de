package dev.specula.drafter.grpc;

import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.drafter.engine.DrafterEngine;
import dev.specula.drafter.engine.Generation;
import dev.specula.drafter.metrics.DrafterMetrics;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.Mode;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.grpc.FlowControlledSender;
import dev.specula.service.grpc.GenerationStreamer;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import org.springframework.stereotype.Service;

/** gRPC edge of the drafter: maps the request, prepares the generation, streams the shared loop's output. */
@Service
public class DrafterGrpcService extends DrafterGrpc.DrafterImplBase {
    private static final Duration MAX_STALL = Duration.ofSeconds(30);
    private final DrafterEngine engine;
    private final DrafterMetrics metrics;

    public DrafterGrpcService(DrafterEngine engine, DrafterMetrics metrics) {
        this.engine = engine;
        this.metrics = metrics;
    }

    @Override
    public void generate(DraftGenerateRequest request, StreamObserver<GenerateEvent> responses) {
        var out = new FlowControlledSender<>((ServerCallStreamObserver<GenerateEvent>) responses, MAX_STALL);
        int[] prompt = ProtoMapping.tokens(request.getPromptTokenIdsList(), engine.vocabSize());
        SamplingParams params = ProtoMapping.sampling(request.getSampling());
        Mode mode = request.getMode() == Mode.MODE_UNSPECIFIED ? Mode.MODE_SPECULATIVE : request.getMode();
        try (Generation generation = switch (mode) {
            case MODE_SPECULATIVE -> engine.speculative(prompt, params, request.getMaxNewTokens(), request.getIgnoreEos(),
                    request.getDraftLength());
            case MODE_DRAFT_ONLY -> engine.draftOnly(prompt, params, request.getMaxNewTokens(), request.getIgnoreEos());
            default -> throw new InvalidRequestException("the drafter runs modes speculative and draft-only, not " + mode);
        }) {
            long start = System.nanoTime();
            GenerationOutcome outcome = GenerationStreamer.stream(generation.drafter(),
                    metrics.timed(generation.verifier()), generation.policy(), prompt, params, generation.stop(), mode, out);
            metrics.recordGeneration(mode == Mode.MODE_DRAFT_ONLY ? "draft-only" : "speculative", outcome,
                    (System.nanoTime() - start) / 1e9);
        }
    }
}

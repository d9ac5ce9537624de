package dev.specula.router.backend;

import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.RequestMode;
import io.grpc.Channel;
import io.grpc.Context;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Starts generations on the drafter or verifier. Each call gets the request deadline; a shorter deadline of the
 * router's own caller wins because the call inherits the caller's context.
 */
public final class MeshBackends {
    private final Channel drafter;
    private final Channel verifier;
    private final Duration requestTimeout;

    public MeshBackends(Channel drafter, Channel verifier, Duration requestTimeout) {
        this.drafter = drafter;
        this.verifier = verifier;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Starts {@code mode} for the request. Failures to reach the backend surface on the first
     * {@link BackendStream#nextChunk()} as a StatusRuntimeException.
     */
    public BackendStream start(GenerationRequest request, RequestMode mode) {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            var events = switch (mode) {
                case TARGET_ONLY -> VerifierGrpc.newBlockingStub(verifier)
                        .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .generate(targetRequest(request));
                case SPECULATIVE, DRAFT_ONLY -> DrafterGrpc.newBlockingStub(drafter)
                        .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .generate(draftRequest(request, mode));
            };
            return new GrpcBackendStream(context, events);
        } finally {
            context.detach(previous);
        }
    }

    private static TargetGenerateRequest targetRequest(GenerationRequest request) {
        var builder = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setMaxNewTokens(request.maxTokens())
                .setIgnoreEos(request.ignoreEos())
                .setTenant(request.tenant());
        for (int t : request.promptTokens()) {
            builder.addPromptTokenIds(t);
        }
        return builder.build();
    }

    private static DraftGenerateRequest draftRequest(GenerationRequest request, RequestMode mode) {
        var builder = DraftGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setMaxNewTokens(request.maxTokens())
                .setIgnoreEos(request.ignoreEos())
                .setMode(mode == RequestMode.DRAFT_ONLY ? Mode.MODE_DRAFT_ONLY : Mode.MODE_SPECULATIVE)
                .setDraftLength(request.draftLength())
                .setTenant(request.tenant());
        for (int t : request.promptTokens()) {
            builder.addPromptTokenIds(t);
        }
        return builder.build();
    }
}

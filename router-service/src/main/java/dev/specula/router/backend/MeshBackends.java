package dev.specula.router.backend;

import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.RequestMode;
import io.grpc.Channel;
import io.grpc.Context;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Starts generations on the drafter or verifier. Each call gets the request deadline; a shorter deadline of the
 * router's own caller wins because the call inherits the caller's context.
 *
 * <p>Where a plan runs: target-only on the verifier alone; speculative with n-gram drafts on the verifier too,
 * whose own session then checks the drafts without a round trip per round (the lookup needs no model, so
 * nothing is gained by running it anywhere else); every mode that needs the draft model on the drafter, with the
 * whole plan spelled out so that no other component's defaults apply.
 */
public final class MeshBackends {
    private final Channel drafter;
    private final Channel verifier;
    private final Duration requestTimeout;
    private final Duration drafterFirstTokenTimeout;
    /** Fires first-token deadlines; one daemon thread, idle unless a drafter hangs. */
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-first-token-timer");
        t.setDaemon(true);
        return t;
    });

    public MeshBackends(Channel drafter, Channel verifier, Duration requestTimeout) {
        this(drafter, verifier, requestTimeout, null);
    }

    /**
     * @param drafterFirstTokenTimeout a drafter that sends nothing for this long after the request started is given
     *                                 up on (DEADLINE_EXCEEDED, so the router falls back); null = only the request
     *                                 timeout applies
     */
    public MeshBackends(Channel drafter, Channel verifier, Duration requestTimeout, Duration drafterFirstTokenTimeout) {
        this.drafter = drafter;
        this.verifier = verifier;
        this.requestTimeout = requestTimeout;
        this.drafterFirstTokenTimeout = drafterFirstTokenTimeout;
    }

    /** The verifier channel, for edge sessions proxied as they are. */
    public Channel verifier() {
        return verifier;
    }

    /**
     * Starts {@code mode} for the request. Failures to reach the backend surface on the first
     * {@link BackendStream#nextChunk()} as a StatusRuntimeException.
     */
    public BackendStream start(GenerationRequest request, RequestMode mode, SpeculationPlan plan) {
        boolean onVerifier = mode == RequestMode.TARGET_ONLY
                || (mode == RequestMode.SPECULATIVE && plan.draftSource() == DraftSourceKind.NGRAM);
        return onVerifier ? verifierGenerate(request, mode == RequestMode.SPECULATIVE ? plan : null)
                : drafterGenerate(request, mode, plan);
    }

    /** The verifier alone, drafting by n-gram lookup next to its own session (the fallback without a drafter). */
    public BackendStream startNgramOnVerifier(GenerationRequest request, SpeculationPlan plan) {
        return verifierGenerate(request, plan.withDraftSource(DraftSourceKind.NGRAM));
    }

    /** @param ngramPlan n-gram drafting settings, or null for plain target-only decoding */
    private BackendStream verifierGenerate(GenerationRequest request, SpeculationPlan ngramPlan) {
        return call(() -> VerifierGrpc.newBlockingStub(verifier)
                .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .generate(targetRequest(request, ngramPlan)));
    }

    private BackendStream drafterGenerate(GenerationRequest request, RequestMode mode, SpeculationPlan plan) {
        GrpcBackendStream stream = call(() -> DrafterGrpc.newBlockingStub(drafter)
                .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .generate(draftRequest(request, mode, plan)));
        if (drafterFirstTokenTimeout != null) {
            stream.expectFirstEventWithin(drafterFirstTokenTimeout, TIMERS);
        }
        return stream;
    }

    private static GrpcBackendStream call(Supplier<Iterator<GenerateEvent>> start) {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            return new GrpcBackendStream(context, start.get());
        } finally {
            context.detach(previous);
        }
    }

    private static TargetGenerateRequest targetRequest(GenerationRequest request, SpeculationPlan ngramPlan) {
        var builder = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setMaxNewTokens(request.maxTokens())
                .setIgnoreEos(request.ignoreEos())
                .setTenant(request.tenant());
        if (ngramPlan != null) {
            builder.setPolicy(PolicyMapping.policy(ngramPlan));
        }
        for (int t : request.promptTokens()) {
            builder.addPromptTokenIds(t);
        }
        return builder.build();
    }

    private static DraftGenerateRequest draftRequest(GenerationRequest request, RequestMode mode,
                                                     SpeculationPlan plan) {
        var builder = DraftGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setMaxNewTokens(request.maxTokens())
                .setIgnoreEos(request.ignoreEos())
                .setMode(switch (mode) {
                    case DRAFT_ONLY -> Mode.MODE_DRAFT_ONLY;
                    case ENTROPY_ADAPTIVE -> Mode.MODE_ENTROPY_ADAPTIVE;
                    case CASCADE -> Mode.MODE_CASCADE;
                    case SPECULATIVE, TARGET_ONLY -> Mode.MODE_SPECULATIVE;
                })
                .setDraftLength(plan.draftLength() == 0 ? request.draftLength() : plan.draftLength())
                .setTenant(request.tenant());
        if (mode != RequestMode.DRAFT_ONLY) {
            builder.setPolicy(PolicyMapping.policy(plan));
        }
        for (int t : request.promptTokens()) {
            builder.addPromptTokenIds(t);
        }
        return builder.build();
    }
}

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
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.Channel;
import io.grpc.Context;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
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
 *
 * <p>Which replicas: the verifier that rendezvous hashing assigns to the request's conversation (tenant and the
 * first {@value #AFFINITY_TOKENS} prompt tokens, so later turns land where the earlier turns' KV is) unless it is
 * busy, then the least loaded; the least loaded drafter, preferring the router's zone. A drafter is told which
 * verifier to open its session on. Replicas a request already saw fail are not chosen again for it.
 *
 * <p>Every request carries the generation's {@link Fence}; a failover places it again with the next epoch.
 */
public final class MeshBackends {
    /** Prompt tokens that identify a conversation for verifier affinity: one or two KV blocks. */
    static final int AFFINITY_TOKENS = 64;

    private final BackendPool drafters;
    private final BackendPool verifiers;
    private final Duration requestTimeout;
    private final Duration drafterFirstTokenTimeout;
    private final Duration stallTimeout;
    private final String zone;
    private final int affinityMaxInFlight;
    /** Fires first-token and stall deadlines; one daemon thread. */
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "router-backend-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** One drafter and one verifier channel, no watchdogs (tests). */
    public MeshBackends(Channel drafter, Channel verifier, Duration requestTimeout) {
        this(drafter, verifier, requestTimeout, null);
    }

    /** One drafter and one verifier channel. */
    public MeshBackends(Channel drafter, Channel verifier, Duration requestTimeout, Duration drafterFirstTokenTimeout) {
        this(BackendPool.ofChannel("drafter", drafter, CircuitBreakerRegistry.ofDefaults()),
                BackendPool.ofChannel("verifier", verifier, CircuitBreakerRegistry.ofDefaults()), requestTimeout,
                drafterFirstTokenTimeout, null, "", Integer.MAX_VALUE);
    }

    /**
     * @param drafterFirstTokenTimeout a drafter that sends nothing for this long after the request started is given
     *                                 up on (DEADLINE_EXCEEDED, so the router falls back); null = none
     * @param stallTimeout             a backend silent this long between events is given up on; null = none
     * @param zone                     the router's zone; drafters in it are preferred (empty = no preference)
     * @param affinityMaxInFlight      requests a verifier may run before affinity gives way to the least loaded
     */
    public MeshBackends(BackendPool drafters, BackendPool verifiers, Duration requestTimeout,
                        Duration drafterFirstTokenTimeout, Duration stallTimeout, String zone,
                        int affinityMaxInFlight) {
        this.drafters = drafters;
        this.verifiers = verifiers;
        this.requestTimeout = requestTimeout;
        this.drafterFirstTokenTimeout = drafterFirstTokenTimeout;
        this.stallTimeout = stallTimeout;
        this.zone = zone;
        this.affinityMaxInFlight = affinityMaxInFlight;
    }

    /** A verifier channel for an edge session proxied as it is: the least loaded available replica. */
    public Channel verifier() {
        Backend verifier = verifiers.leastLoaded("", Set.of());
        verifier.wake();
        return verifier.channel();
    }

    public BackendPool drafters() {
        return drafters;
    }

    public BackendPool verifiers() {
        return verifiers;
    }

    /**
     * Starts {@code mode} for the request on replicas it has not seen fail. Failures to reach the backend surface
     * on the first {@link BackendStream#nextChunk()} as a StatusRuntimeException.
     *
     * @throws io.grpc.StatusRuntimeException UNAVAILABLE when no eligible replica is left
     */
    public RoutedStream start(GenerationRequest request, RequestMode mode, SpeculationPlan plan,
                              Set<Backend> failed, Fence fence) {
        boolean onVerifier = mode == RequestMode.TARGET_ONLY
                || (mode == RequestMode.SPECULATIVE && plan.draftSource() == DraftSourceKind.NGRAM);
        return onVerifier ? verifierGenerate(request, mode == RequestMode.SPECULATIVE ? plan : null, failed, fence)
                : drafterGenerate(request, mode, plan, failed, fence);
    }

    /** The verifier alone, drafting by n-gram lookup next to its own session (the fallback without a drafter). */
    public RoutedStream startNgramOnVerifier(GenerationRequest request, SpeculationPlan plan, Set<Backend> failed,
                                             Fence fence) {
        return verifierGenerate(request, plan.withDraftSource(DraftSourceKind.NGRAM), failed, fence);
    }

    /** Whether a drafter the request has not seen fail is left. */
    public boolean drafterLeft(Set<Backend> failed) {
        return drafters.backends().stream().anyMatch(b -> !failed.contains(b));
    }

    /** @param ngramPlan n-gram drafting settings, or null for plain target-only decoding */
    private RoutedStream verifierGenerate(GenerationRequest request, SpeculationPlan ngramPlan, Set<Backend> failed,
                                          Fence fence) {
        Backend verifier = chooseVerifier(request, failed);
        verifier.wake();
        GrpcBackendStream stream = call(() -> VerifierGrpc.newBlockingStub(verifier.channel())
                .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .generate(targetRequest(request, ngramPlan, fence)));
        stream.watchdog(null, stallTimeout, TIMERS);
        return new RoutedStream(stream, null, verifier, fence);
    }

    private RoutedStream drafterGenerate(GenerationRequest request, RequestMode mode, SpeculationPlan plan,
                                         Set<Backend> failed, Fence fence) {
        Backend drafter = drafters.leastLoaded(zone, failed);
        Backend verifier = chooseVerifier(request, failed);
        drafter.wake();
        GrpcBackendStream stream = call(() -> DrafterGrpc.newBlockingStub(drafter.channel())
                .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .generate(draftRequest(request, mode, plan, verifier.address(), fence)));
        stream.watchdog(drafterFirstTokenTimeout, stallTimeout, TIMERS);
        return new RoutedStream(stream, drafter, verifier, fence);
    }

    private Backend chooseVerifier(GenerationRequest request, Set<Backend> failed) {
        return verifiers.withAffinity(affinityKey(request), affinityMaxInFlight, failed);
    }

    /** Tenant plus the prompt's first tokens: what later turns of one conversation share. */
    static byte[] affinityKey(GenerationRequest request) {
        byte[] tenant = request.tenant().getBytes(StandardCharsets.UTF_8);
        int n = Math.min(AFFINITY_TOKENS, request.promptTokens().length);
        ByteBuffer key = ByteBuffer.allocate(tenant.length + 1 + 4 * n).put(tenant).put((byte) 0);
        for (int i = 0; i < n; i++) {
            key.putInt(request.promptTokens()[i]);
        }
        return key.array();
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

    private static TargetGenerateRequest targetRequest(GenerationRequest request, SpeculationPlan ngramPlan,
                                                       Fence fence) {
        var builder = TargetGenerateRequest.newBuilder()
                .setFence(fence.toProto())
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

    /** @param verifierEndpoint the verifier replica's host:port, or empty for the drafter's own channel */
    private static DraftGenerateRequest draftRequest(GenerationRequest request, RequestMode mode,
                                                     SpeculationPlan plan, String verifierEndpoint, Fence fence) {
        var builder = DraftGenerateRequest.newBuilder()
                .setFence(fence.toProto())
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
                .setTenant(request.tenant())
                .setVerifierEndpoint(verifierEndpoint);
        if (mode != RequestMode.DRAFT_ONLY) {
            builder.setPolicy(PolicyMapping.policy(plan));
        }
        for (int t : request.promptTokens()) {
            builder.addPromptTokenIds(t);
        }
        return builder.build();
    }
}

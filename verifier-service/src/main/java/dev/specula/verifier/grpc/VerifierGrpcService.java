package dev.specula.verifier.grpc;

import dev.specula.core.draft.NgramDraftSource;
import dev.specula.core.loop.AlwaysVerify;
import dev.specula.core.loop.FixedDraftLength;
import dev.specula.core.loop.GenerationOutcome;
import dev.specula.core.loop.NoDrafts;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.DraftSourceKind;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.LoadReport;
import dev.specula.proto.v1.LoadRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.runtime.engine.ServingEngine;
import dev.specula.service.grpc.FlowControlledSender;
import dev.specula.service.grpc.GenerationStreamer;
import dev.specula.service.grpc.MalformedFrames;
import dev.specula.verifier.config.VerifierProperties;
import dev.specula.verifier.engine.ActiveSession;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.metrics.VerifierMetrics;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.stereotype.Service;

/** gRPC edge of the verifier: maps messages, calls the engine, maps results. */
@Service
public class VerifierGrpcService implements VerifierGrpc.AsyncService, BindableService {
    private final VerifierEngine engine;
    private final VerifierMetrics metrics;
    private final Duration sessionIdleTimeout;
    /** Session idle leases; one daemon thread, shared by every verifier in the JVM (the launcher hosts several). */
    private static final ScheduledExecutorService LEASE_TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "verifier-session-leases");
        t.setDaemon(true);
        return t;
    });
    private final Duration maxStall;

    private final SessionShutdown shutdown;

    public VerifierGrpcService(VerifierEngine engine, VerifierMetrics metrics, VerifierProperties properties,
                               SessionShutdown shutdown) {
        this.shutdown = shutdown;
        this.engine = engine;
        this.metrics = metrics;
        this.maxStall = properties.streamStallTimeout();
        this.sessionIdleTimeout = properties.sessionIdleTimeout();
    }

    @Override
    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> responses) {
        return new SessionStreamHandler(engine, metrics, (ServerCallStreamObserver<SessionResponse>) responses,
                LEASE_TIMERS, sessionIdleTimeout, shutdown);
    }

    @Override
    public void load(LoadRequest request, StreamObserver<LoadReport> responses) {
        ServingEngine serving = engine.serving();
        responses.onNext(LoadReport.newBuilder()
                .setOpenSessions(engine.openSessions())
                .setWaitingSessions(serving.budget().waiting())
                .setQueueDepth(serving.schedulerQueueDepth())
                .setKvBytesReserved(serving.budget().reservedBytes())
                .setKvBudgetBytes(serving.budget().budgetBytes())
                .build());
        responses.onCompleted();
    }

    @Override
    public void generate(TargetGenerateRequest request, StreamObserver<GenerateEvent> responses) {
        var out = new FlowControlledSender<>((ServerCallStreamObserver<GenerateEvent>) responses, maxStall);
        int[] prompt = ProtoMapping.tokens(request.getPromptTokenIdsList(), engine.vocabSize());
        var params = ProtoMapping.sampling(request.getSampling());
        // N-gram drafting runs here, next to the target: the loop's verify call is local, no round trip per round.
        boolean ngram = request.getPolicy().getDraftSource() == DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM;
        SpeculationPlan plan = PolicyMapping.plan(request.getPolicy(), 0, SpeculationPlan.DEFAULTS);
        // At shutdown the next chunk throws UNAVAILABLE: the session below is closed (KV offloaded and freed) as the
        // exception leaves, and the status mapping closes the call with it, so the router resumes elsewhere.
        OpenStream stream = description -> out.endWith(Status.UNAVAILABLE.withDescription(description));
        shutdown.opened(stream);
        try (ActiveSession session = engine.open(request.getTenant(), Fences.of(request.getFence()), prompt,
                params, request.getMaxNewTokens(), "");
             NgramDraftSource lookup = plan.newNgramSource()) {
            GenerationOutcome outcome = GenerationStreamer.stream(ngram ? lookup : NoDrafts.INSTANCE, session,
                    ngram ? plan.newLengthPolicy() : new FixedDraftLength(0), AlwaysVerify.INSTANCE, prompt, params,
                    engine.stopCondition(request.getMaxNewTokens(), request.getIgnoreEos()),
                    ngram ? Mode.MODE_SPECULATIVE : Mode.MODE_TARGET_ONLY, session.cachedTokens(), summary -> {
                        if (ngram) {
                            summary.setDraftSource(DraftSourceKind.DRAFT_SOURCE_KIND_NGRAM)
                                    .setDraftLengthMode(PolicyMapping.lengthMode(plan.lengthMode()));
                            summary.getStatsBuilder().setNgramDrafts(lookup.drafts());
                        } else {
                            summary.setDraftSource(DraftSourceKind.DRAFT_SOURCE_KIND_NONE);
                        }
                    }, out);
            if (!ngram) {
                metrics.recordTargetOnly(outcome);
            }
        } finally {
            shutdown.ended(stream);
        }
    }

    /** A request frame that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN (RELIABILITY.md #20). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedFrames.refused(VerifierGrpc.bindService(this));
    }
}

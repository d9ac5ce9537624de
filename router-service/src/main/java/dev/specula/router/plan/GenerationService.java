package dev.specula.router.plan;

import dev.specula.core.loop.FinishReason;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.router.backend.Backend;
import dev.specula.router.backend.Fence;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.backend.RetryBudget;
import dev.specula.router.backend.RoutedStream;
import dev.specula.router.config.FailoverProperties;
import dev.specula.router.metrics.RequestObservation;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.runtime.tokenizer.StreamingDetokenizer;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one planned request on the mesh and streams text to a sink. The one code path behind every front door.
 *
 * <p>Failover: when a backend is lost (unreachable, connection broken, silent past the watchdog) the request
 * resumes on replicas it has not seen fail, from the tokens already produced. When a request that needs the draft
 * model (speculative, entropy-adaptive, cascade) has no drafter left, the verifier decodes the rest alone, and the
 * completion says so (mode target-only, with the reason). By default the verifier still speculates, with
 * model-free n-gram drafts checked by its own session; output is then exactly target-only's in distribution
 * (greedy: identical), since speculation is lossless — and for the lossy modes the fallback is the lossless
 * result.
 */
public final class GenerationService {
    private static final Logger LOG = LoggerFactory.getLogger(GenerationService.class);
    private final MeshBackends backends;
    private final TextTokenizer tokenizer;
    private final boolean fallbackToTargetOnly;
    private final RouterMetrics metrics;
    private final PolicyProperties policies;
    private final boolean fallbackNgramDrafting;
    private final int cadenceTokens;
    private final Duration cadenceInterval;
    private final ChunkPacer.Clock clock;
    private final FailoverProperties failover;
    private final RetryBudget retryBudget;

    public GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                             RouterMetrics metrics) {
        this(backends, tokenizer, fallbackToTargetOnly, metrics, PolicyProperties.DEFAULTS, false, 0,
                FailoverProperties.DEFAULTS);
    }

    /**
     * @param policies              the router's default speculation policies, for requests without a plan
     * @param fallbackNgramDrafting when falling back to the verifier, let it draft by n-gram lookup
     * @param cadenceTokens         stream chunks of exactly this many tokens (0: one chunk per backend round)
     * @param failover              resumes after a backend failure
     */
    public GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                             RouterMetrics metrics, PolicyProperties policies, boolean fallbackNgramDrafting,
                             int cadenceTokens, FailoverProperties failover) {
        this(backends, tokenizer, fallbackToTargetOnly, metrics, policies, fallbackNgramDrafting, cadenceTokens,
                Duration.ZERO, failover);
    }

    /**
     * @param cadenceInterval release chunks on a clock grid of this period, at most one per tick (zero: at once)
     */
    public GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                             RouterMetrics metrics, PolicyProperties policies, boolean fallbackNgramDrafting,
                             int cadenceTokens, Duration cadenceInterval, FailoverProperties failover) {
        this(backends, tokenizer, fallbackToTargetOnly, metrics, policies, fallbackNgramDrafting, cadenceTokens,
                cadenceInterval, failover, ChunkPacer.Clock.SYSTEM);
    }

    GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                      RouterMetrics metrics, PolicyProperties policies, boolean fallbackNgramDrafting,
                      int cadenceTokens, Duration cadenceInterval, FailoverProperties failover,
                      ChunkPacer.Clock clock) {
        this.backends = backends;
        this.tokenizer = tokenizer;
        this.fallbackToTargetOnly = fallbackToTargetOnly;
        this.metrics = metrics;
        this.policies = policies;
        this.fallbackNgramDrafting = fallbackNgramDrafting;
        this.cadenceTokens = cadenceTokens;
        this.cadenceInterval = cadenceInterval;
        this.clock = clock;
        this.failover = failover;
        this.retryBudget = new RetryBudget(failover.budgetRatio(), failover.budgetCap());
    }

    public void generate(GenerationRequest request, GenerationSink sink) {
        try (RequestObservation observation = metrics.vllm().start(request.arrivalNanos())) {
            GenerationSink recorded = new GenerationSink() {
                @Override
                public boolean chunk(Chunk chunk) {
                    return sink.chunk(chunk);
                }

                @Override
                public void complete(Completion completion) {
                    metrics.recordCompletion(request.mode(), completion);
                    observation.complete(completion);
                    sink.complete(completion);
                }
            };
            // Stop strings / stop token ids / per-token chunks apply before the completion is recorded; token
            // timing is observed per backend round, before them (vLLM observes inter-token latency per step).
            GenerationSink filtered = OutputFilter.wrap(request, tokenizer, recorded);
            run(request, new GenerationSink() {
                @Override
                public boolean chunk(Chunk chunk) {
                    observation.tokens(chunk.tokenIds().length);
                    return filtered.chunk(chunk);
                }

                @Override
                public void complete(Completion completion) {
                    filtered.complete(completion);
                }
            });
        } catch (StatusRuntimeException e) {
            metrics.recordFailure(request.mode(), e.getStatus().getCode().name());
            throw e;
        }
    }

    private void run(GenerationRequest request, GenerationSink sink) {
        long start = request.arrivalNanos() != 0 ? request.arrivalNanos() : System.nanoTime();
        retryBudget.requestStarted();
        Attempt attempt = new Attempt(request);
        RoutedStream stream = backends.start(request, attempt.mode, attempt.plan, attempt.failed, attempt.fence);
        StreamingDetokenizer text = tokenizer.newDetokenizer();
        FixedCadence cadence = cadenceTokens > 0 ? new FixedCadence(cadenceTokens) : null;
        ChunkPacer pacer = cadenceInterval.isZero() ? null : new ChunkPacer(cadenceInterval.toNanos(), clock);
        int completionTokens = 0;
        while (true) {
            int[] ids;
            try {
                ids = stream.nextChunk();
            } catch (StatusRuntimeException e) {
                stream = resume(attempt, stream, e);
                continue;
            }
            if (ids == null) {
                break;
            }
            attempt.received(ids);
            for (int[] piece : cadence == null ? List.of(ids) : cadence.accept(ids)) {
                completionTokens += piece.length;
                if (pacer != null) {
                    pacer.awaitTick();
                }
                if (!sink.chunk(new Chunk(piece, text.push(piece)))) {
                    stream.cancel();
                    sink.complete(new Completion(attempt.mode, FinishReason.CANCELLED,
                            request.promptTokens().length, completionTokens, null, attempt.reason(), seconds(start),
                            0));
                    return;
                }
            }
        }
        int[] rest = cadence == null ? new int[0] : cadence.drain();
        completionTokens += rest.length;
        String tail = text.push(rest) + text.flush();
        if (rest.length > 0 || !tail.isEmpty()) {
            if (pacer != null) {
                pacer.awaitTick();
            }
            sink.chunk(new Chunk(rest, tail));
        }
        // After a resume the last backend's prompt included generated tokens: only the request's own count.
        int cached = Math.min(stream.cachedTokens(), request.promptTokens().length);
        sink.complete(new Completion(attempt.mode, stream.finishReason(), request.promptTokens().length,
                completionTokens, stream.stats(), attempt.reason(), seconds(start), cached));
    }

    /**
     * Continues a request whose backend failed: on replicas it has not seen fail, from the prompt plus every token
     * already received, for the tokens still owed, so the client's stream sees no gap and no repeat (greedy output
     * is the uninterrupted output; sampled output keeps its distribution, and with a seed its exact tokens, since
     * randomness is keyed by absolute position). Without a drafter left, a drafter mode continues on the verifier.
     *
     * @throws StatusRuntimeException the failure itself when it is not a lost backend, the client is gone, the
     *                                request's resumes or the router's retry budget are used up
     */
    private RoutedStream resume(Attempt attempt, RoutedStream failedStream, StatusRuntimeException e) {
        if (!lostBackend(e) || Context.current().isCancelled() || attempt.resumes >= failover.maxResumes()
                || attempt.remaining() <= 0) {
            throw e;
        }
        Backend culprit = failedStream.blame(e);
        // Superseded from here on: a cancelled placement yields nothing more, whatever its backend still sends, so
        // the client never sees a token twice (RELIABILITY.md #24). The next placement gets the next epoch.
        failedStream.cancel();
        attempt.failed.add(culprit);
        boolean drafterFailed = culprit == failedStream.drafter();
        boolean toVerifier = drafterFailed && ranOnDrafter(attempt.mode, attempt.plan)
                && !backends.drafterLeft(attempt.failed);
        // Degrading to the verifier adds no load to a failing pool; only retries onto the same role spend budget.
        if ((toVerifier && !fallbackToTargetOnly) || (!toVerifier && !retryBudget.tryResume())) {
            throw e;
        }
        attempt.resumes++;
        attempt.fence = attempt.fence.next();
        LOG.warn("{} {} lost ({}: {}) after {} tokens; resuming", drafterFailed ? "drafter" : "verifier", culprit,
                e.getStatus().getCode(), e.getStatus().getDescription(), attempt.receivedCount());
        metrics.recordFailover(drafterFailed ? "drafter" : "verifier", attempt.receivedCount() > 0);
        GenerationRequest rest = attempt.continuation();
        String where = attempt.receivedCount() == 0 ? "before the first token" : "after "
                + attempt.receivedCount() + " tokens";
        if (toVerifier) {
            attempt.mode = RequestMode.TARGET_ONLY;
            attempt.note("drafter unavailable (" + e.getStatus().getCode() + ") " + where + ": decoded target-only"
                    + (fallbackNgramDrafting ? " with n-gram drafting on the verifier" : ""));
            return fallbackNgramDrafting ? backends.startNgramOnVerifier(rest, attempt.plan, attempt.failed,
                    attempt.fence) : backends.start(rest, RequestMode.TARGET_ONLY, attempt.plan, attempt.failed,
                    attempt.fence);
        }
        attempt.note((drafterFailed ? "drafter " : "verifier ") + culprit + " failed (" + e.getStatus().getCode()
                + ") " + where + ": resumed on another replica");
        return backends.start(rest, attempt.mode, attempt.plan, attempt.failed, attempt.fence);
    }

    /** One request's progress across the backends it ran on. */
    private final class Attempt {
        final GenerationRequest request;
        final Set<Backend> failed = new HashSet<>();
        final SpeculationPlan plan;
        RequestMode mode;
        int resumes;
        /** The generation's fencing token; its epoch counts the placements. */
        Fence fence = Fence.first();
        private int[] received = new int[64];
        private int receivedCount;
        private final List<String> notes = new ArrayList<>();

        Attempt(GenerationRequest request) {
            this.request = request;
            this.mode = request.mode();
            this.plan = request.plan() != null ? request.plan() : policies.plan(request.draftLength());
        }

        void received(int[] ids) {
            if (receivedCount + ids.length > received.length) {
                received = Arrays.copyOf(received, Math.max(received.length * 2, receivedCount + ids.length));
            }
            System.arraycopy(ids, 0, received, receivedCount, ids.length);
            receivedCount += ids.length;
        }

        int receivedCount() {
            return receivedCount;
        }

        int remaining() {
            return request.maxTokens() - receivedCount;
        }

        GenerationRequest continuation() {
            return request.continuedAfter(Arrays.copyOf(received, receivedCount));
        }

        void note(String reason) {
            notes.add(reason);
        }

        String reason() {
            return String.join("; ", notes);
        }
    }

    /** Modes that ran on the drafter (draft-only has nothing to fall back to: it is the small model's output). */
    private static boolean ranOnDrafter(RequestMode mode, SpeculationPlan plan) {
        return switch (mode) {
            case SPECULATIVE -> plan.draftSource() != DraftSourceKind.NGRAM;
            case ENTROPY_ADAPTIVE, CASCADE -> true;
            case TARGET_ONLY, DRAFT_ONLY -> false;
        };
    }

    /**
     * Failures that mean a backend is gone or hung (nobody answered, the connection broke, the watchdog gave up),
     * as opposed to a backend refusing the request. The request's own deadline running out is not one.
     */
    private static boolean lostBackend(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.DEADLINE_EXCEEDED) {
            Deadline deadline = Context.current().getDeadline();
            return deadline == null || !deadline.isExpired();
        }
        return code == Status.Code.UNAVAILABLE;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

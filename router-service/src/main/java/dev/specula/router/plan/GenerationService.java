package dev.specula.router.plan;

import dev.specula.core.loop.FinishReason;
import dev.specula.core.policy.DraftSourceKind;
import dev.specula.core.policy.SpeculationPlan;
import dev.specula.router.backend.BackendStream;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.metrics.RequestObservation;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.runtime.tokenizer.StreamingDetokenizer;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * Runs one planned request on the mesh and streams text to a sink. The one code path behind every front door.
 *
 * <p>Fallback: when a request that needs the draft model (speculative, entropy-adaptive, cascade) cannot reach a
 * drafter before its first token, the verifier decodes it alone, and the completion says so (mode target-only,
 * with the reason). By default the verifier still speculates, with model-free n-gram drafts checked by its own
 * session; output is then exactly target-only's in distribution (greedy: identical), since speculation is
 * lossless — and for the lossy modes the fallback is the lossless result.
 */
public final class GenerationService {
    private final MeshBackends backends;
    private final TextTokenizer tokenizer;
    private final boolean fallbackToTargetOnly;
    private final RouterMetrics metrics;
    private final PolicyProperties policies;
    private final boolean fallbackNgramDrafting;
    private final int cadenceTokens;

    public GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                             RouterMetrics metrics) {
        this(backends, tokenizer, fallbackToTargetOnly, metrics, PolicyProperties.DEFAULTS, false, 0);
    }

    /**
     * @param policies              the router's default speculation policies, for requests without a plan
     * @param fallbackNgramDrafting when falling back to the verifier, let it draft by n-gram lookup
     * @param cadenceTokens         stream chunks of exactly this many tokens (0: one chunk per backend round)
     */
    public GenerationService(MeshBackends backends, TextTokenizer tokenizer, boolean fallbackToTargetOnly,
                             RouterMetrics metrics, PolicyProperties policies, boolean fallbackNgramDrafting,
                             int cadenceTokens) {
        this.backends = backends;
        this.tokenizer = tokenizer;
        this.fallbackToTargetOnly = fallbackToTargetOnly;
        this.metrics = metrics;
        this.policies = policies;
        this.fallbackNgramDrafting = fallbackNgramDrafting;
        this.cadenceTokens = cadenceTokens;
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
        RequestMode mode = request.mode();
        SpeculationPlan plan = request.plan() != null ? request.plan() : policies.plan(request.draftLength());
        String fallbackReason = "";
        BackendStream stream = backends.start(request, mode, plan);
        int[] ids;
        try {
            ids = stream.nextChunk();
        } catch (StatusRuntimeException e) {
            if (!ranOnDrafter(mode, plan) || !fallbackToTargetOnly || !unreachable(e)) {
                throw e;
            }
            fallbackReason = "drafter unavailable (" + e.getStatus().getCode() + "): decoded target-only"
                    + (fallbackNgramDrafting ? " with n-gram drafting on the verifier" : "");
            mode = RequestMode.TARGET_ONLY;
            stream = fallbackNgramDrafting ? backends.startNgramOnVerifier(request, plan)
                    : backends.start(request, mode, plan);
            ids = stream.nextChunk();
        }
        StreamingDetokenizer text = tokenizer.newDetokenizer();
        FixedCadence cadence = cadenceTokens > 0 ? new FixedCadence(cadenceTokens) : null;
        int completionTokens = 0;
        while (ids != null) {
            for (int[] piece : cadence == null ? List.of(ids) : cadence.accept(ids)) {
                completionTokens += piece.length;
                if (!sink.chunk(new Chunk(piece, text.push(piece)))) {
                    stream.cancel();
                    sink.complete(new Completion(mode, FinishReason.CANCELLED, request.promptTokens().length,
                            completionTokens, null, fallbackReason, seconds(start), 0));
                    return;
                }
            }
            ids = stream.nextChunk();
        }
        int[] rest = cadence == null ? new int[0] : cadence.drain();
        completionTokens += rest.length;
        String tail = text.push(rest) + text.flush();
        if (rest.length > 0 || !tail.isEmpty()) {
            sink.chunk(new Chunk(rest, tail));
        }
        sink.complete(new Completion(mode, stream.finishReason(), request.promptTokens().length, completionTokens,
                stream.stats(), fallbackReason, seconds(start), stream.cachedTokens()));
    }

    /** Modes that ran on the drafter (draft-only has nothing to fall back to: it is the small model's output). */
    private static boolean ranOnDrafter(RequestMode mode, SpeculationPlan plan) {
        return switch (mode) {
            case SPECULATIVE -> plan.draftSource() != DraftSourceKind.NGRAM;
            case ENTROPY_ADAPTIVE, CASCADE -> true;
            case TARGET_ONLY, DRAFT_ONLY -> false;
        };
    }

    /** Failures that mean "nobody answered", as opposed to the backend refusing the request. */
    private static boolean unreachable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}

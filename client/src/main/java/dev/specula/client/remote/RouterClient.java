package dev.specula.client.remote;

import dev.specula.proto.mapping.PolicyMapping;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SpeculationPolicy;
import dev.specula.proto.v1.SpeculationStats;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Remote generation through the router's gRPC API: streaming text, cancellation (return false from the text
 * callback), and a deadline per request.
 */
public final class RouterClient {
    private final Channel channel;
    private final Duration deadline;

    public RouterClient(Channel channel, Duration deadline) {
        this.channel = channel;
        this.deadline = deadline;
    }

    /**
     * Generates, handing each piece of text to {@code onText} as it arrives.
     *
     * @param onText return false to cancel the generation
     * @throws io.grpc.StatusRuntimeException with the server's status on failure
     */
    public RemoteResult generate(RemoteRequest request, Predicate<String> onText) {
        return generate(request, (tokens, piece) -> piece.isEmpty() || onText.test(piece));
    }

    /**
     * Generates, handing each chunk (its token count and text) to {@code onChunk} as it arrives: for callers that
     * time the tokens, e.g. per-token latency in benchmarks.
     *
     * @param onChunk return false to cancel the generation
     * @throws io.grpc.StatusRuntimeException with the server's status on failure
     */
    public RemoteResult generate(RemoteRequest request, ChunkListener onChunk) {
        Context.CancellableContext context = Context.current().withCancellation();
        Context previous = context.attach();
        try {
            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                    .generate(toProto(request));
            StringBuilder text = new StringBuilder();
            IntStream.Builder tokens = IntStream.builder();
            while (events.hasNext()) {
                GenerateEvent event = events.next();
                if (event.hasSummary()) {
                    return result(text.toString(), tokens.build().toArray(), event.getSummary());
                }
                event.getChunk().getTokenIdsList().forEach(tokens::add);
                String piece = event.getChunk().getText();
                text.append(piece);
                if (!onChunk.onChunk(event.getChunk().getTokenIdsCount(), piece)) {
                    context.cancel(Status.CANCELLED.withDescription("cancelled by the caller").asRuntimeException());
                    return new RemoteResult(text.toString(), tokens.build().toArray(), request.mode(), "cancelled",
                            0, 0, 0, 1, 0, 0, 0, 0, "");
                }
            }
            throw Status.INTERNAL.withDescription("router stream ended without a summary").asRuntimeException();
        } finally {
            context.detach(previous);
            context.cancel(null);
        }
    }

    private static GenerateRequest toProto(RemoteRequest request) {
        return GenerateRequest.newBuilder()
                .setPrompt(request.prompt())
                .setMode(switch (request.mode()) {
                    case SPECULATIVE -> Mode.MODE_SPECULATIVE;
                    case TARGET_ONLY -> Mode.MODE_TARGET_ONLY;
                    case DRAFT_ONLY -> Mode.MODE_DRAFT_ONLY;
                    case ENTROPY_ADAPTIVE -> Mode.MODE_ENTROPY_ADAPTIVE;
                    case CASCADE -> Mode.MODE_CASCADE;
                })
                .setMaxTokens(request.maxTokens())
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setDraftLength(request.draftLength())
                .setIgnoreEos(request.ignoreEos())
                .setPolicy(policy(request.options()))
                .build();
    }

    /** Only the fields the caller set; the router fills the rest from its defaults. */
    private static SpeculationPolicy policy(SpeculationOptions options) {
        SpeculationPolicy.Builder policy = SpeculationPolicy.newBuilder().setMaxDraftLength(options.maxDraftLength())
                .setNgramMin(options.ngramMin()).setNgramMax(options.ngramMax())
                .setEntropyWindow(options.entropyWindow());
        if (options.draftSource() != null) {
            policy.setDraftSource(PolicyMapping.draftSource(options.draftSource()));
        }
        if (options.lengthMode() != null) {
            policy.setDraftLengthMode(PolicyMapping.lengthMode(options.lengthMode()));
        }
        if (!Double.isNaN(options.stopThreshold())) {
            policy.setStopThreshold(options.stopThreshold());
        }
        if (!Double.isNaN(options.entropyThreshold())) {
            policy.setEntropyThreshold(options.entropyThreshold());
        }
        if (options.cascadeMetric() != null) {
            policy.setCascadeMetric(PolicyMapping.cascadeMetric(options.cascadeMetric()));
        }
        if (!Double.isNaN(options.cascadeThreshold())) {
            policy.setCascadeThreshold(options.cascadeThreshold());
        }
        return policy.build();
    }

    private static RemoteResult result(String text, int[] tokens, GenerationSummary summary) {
        GenerationMode mode = switch (summary.getMode()) {
            case MODE_TARGET_ONLY -> GenerationMode.TARGET_ONLY;
            case MODE_DRAFT_ONLY -> GenerationMode.DRAFT_ONLY;
            case MODE_ENTROPY_ADAPTIVE -> GenerationMode.ENTROPY_ADAPTIVE;
            case MODE_CASCADE -> GenerationMode.CASCADE;
            default -> GenerationMode.SPECULATIVE;
        };
        String finish = summary.getFinishReason().name().replace("FINISH_REASON_", "").toLowerCase(Locale.ROOT);
        return new RemoteResult(text, tokens, mode, finish, summary.getPromptTokens(), summary.getCompletionTokens(),
                summary.getStats().getAcceptanceRate(), summary.getStats().getMeanAcceptanceLength(),
                summary.getStats().getDrafts(), summary.getStats().getDraftTokens(),
                summary.getStats().getAcceptedTokens(), summary.getElapsedSeconds(), summary.getFallbackReason(),
                report(summary));
    }

    private static PolicyReport report(GenerationSummary summary) {
        SpeculationStats s = summary.getStats();
        return new PolicyReport(label(summary.getDraftSource().name(), "DRAFT_SOURCE_KIND_"),
                label(summary.getDraftLengthMode().name(), "DRAFT_LENGTH_MODE_"), s.getRounds(),
                s.getMeanDraftLength(), s.getZeroDraftRounds(), s.getDraftLengthChanges(), s.getUnverifiedTokens(),
                s.getModelSwitches(), s.getUnverifiedTokens() == 0 ? 1.0 : s.getLargeModelTokenFraction(),
                s.getEscalations(), s.getCascadeScore(), s.getNgramDrafts());
    }

    /** DRAFT_SOURCE_KIND_HYBRID → "hybrid"; unspecified → "". */
    private static String label(String name, String prefix) {
        String bare = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        return bare.equals("UNSPECIFIED") || bare.equals("UNRECOGNIZED") ? ""
                : bare.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

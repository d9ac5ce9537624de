package dev.specula.client.remote;

import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
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
                if (!piece.isEmpty() && !onText.test(piece)) {
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
                })
                .setMaxTokens(request.maxTokens())
                .setSampling(ProtoMapping.sampling(request.sampling()))
                .setDraftLength(request.draftLength())
                .setIgnoreEos(request.ignoreEos())
                .build();
    }

    private static RemoteResult result(String text, int[] tokens, GenerationSummary summary) {
        GenerationMode mode = switch (summary.getMode()) {
            case MODE_TARGET_ONLY -> GenerationMode.TARGET_ONLY;
            case MODE_DRAFT_ONLY -> GenerationMode.DRAFT_ONLY;
            default -> GenerationMode.SPECULATIVE;
        };
        String finish = summary.getFinishReason().name().replace("FINISH_REASON_", "").toLowerCase(Locale.ROOT);
        return new RemoteResult(text, tokens, mode, finish, summary.getPromptTokens(), summary.getCompletionTokens(),
                summary.getStats().getAcceptanceRate(), summary.getStats().getMeanAcceptanceLength(),
                summary.getStats().getDrafts(), summary.getStats().getDraftTokens(),
                summary.getStats().getAcceptedTokens(), summary.getElapsedSeconds(), summary.getFallbackReason());
    }
}

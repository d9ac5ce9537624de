package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.testing.RepoRoot;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A stopping verifier ends the target-only generations it still runs with UNAVAILABLE "verifier shutting down"
 * (RELIABILITY.md #7, verifier-service {@code SessionShutdown}); the router resumes them on another replica from the
 * tokens already streamed, with the next fence epoch, and its client sees one uninterrupted output.
 */
class VerifierShutdownFailoverTest {
    /** What the verifier's SessionShutdown sends. */
    private static final Status SHUTTING_DOWN = Status.UNAVAILABLE
            .withDescription("verifier shutting down: resume the session on another verifier");
    private static final String PROMPT = "int gcd(";
    private static final String OUTPUT = "return b == 0 ? a : gcd(b, a % b);";
    private static final int STREAMED_BEFORE_STOP = 5;
    private static final int MAX_TOKENS = 64;

    @Test
    void aGenerationEndedByAStoppingVerifierResumesOnTheOtherReplicaWithoutGapOrRepeat() throws Exception {
        Path model = RepoRoot.path().resolve("models/test-tiny");
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelFolder.open(model));
             FakeBackends first = new FakeBackends();
             FakeBackends second = new FakeBackends()) {
            int[] prompt = tokenizer.encode(PROMPT);
            int[] output = tokenizer.encode(OUTPUT);
            // Rendezvous affinity picks the replica: whichever is asked first stops mid-stream, the other finishes.
            AtomicBoolean stopping = new AtomicBoolean(true);
            FakeBackends.Script<TargetGenerateRequest> replica = (request, out) -> {
                if (stopping.getAndSet(false)) {
                    FakeBackends.<TargetGenerateRequest>streamThenFail(slice(output, 0, STREAMED_BEFORE_STOP),
                            SHUTTING_DOWN).answer(request, out);
                    return;
                }
                int done = request.getPromptTokenIdsCount() - prompt.length;
                FakeBackends.<TargetGenerateRequest>stream(List.of(slice(output, done, output.length)),
                        summary(output.length - done)).answer(request, out);
            };
            first.verifier = replica;
            second.verifier = replica;
            String name = "router-" + UUID.randomUUID();
            ConfigurableApplicationContext router = InProcessRouter.start(name, false,
                    "--specula.router.model-path=" + model,
                    "--specula.router.request-timeout=20s",
                    "--specula.router.discovery.verifiers[0]=" + first.address(),
                    "--specula.router.discovery.verifiers[1]=" + second.address());
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            try {
                List<GenerateEvent> events = new ArrayList<>();
                RouterGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .generate(GenerateRequest.newBuilder().setPrompt(PROMPT).setMode(Mode.MODE_TARGET_ONLY)
                                .setMaxTokens(MAX_TOKENS).setIgnoreEos(true)
                                .setSampling(SamplingParams.newBuilder().setTemperature(0)).build())
                        .forEachRemaining(events::add);

                int[] received = events.stream().filter(GenerateEvent::hasChunk)
                        .flatMapToInt(e -> e.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue))
                        .toArray();
                assertThat(received).as("no token lost or repeated").containsExactly(output);
                GenerationSummary summary = events.get(events.size() - 1).getSummary();
                assertThat(summary.getFallbackReason()).contains("resumed on another replica").contains("UNAVAILABLE");
                assertThat(first.verifierRequests).as("one placement on each replica").hasSize(1);
                assertThat(second.verifierRequests).hasSize(1);
                TargetGenerateRequest stopped = Stream.of(first, second).map(f -> f.verifierRequests.get(0))
                        .filter(r -> r.getFence().getEpoch() == 1).findFirst().orElseThrow();
                TargetGenerateRequest resumed = Stream.of(first, second).map(f -> f.verifierRequests.get(0))
                        .filter(r -> r.getFence().getEpoch() == 2).findFirst().orElseThrow();
                assertThat(resumed.getFence().getGenerationId()).isEqualTo(stopped.getFence().getGenerationId());
                assertThat(resumed.getPromptTokenIdsList()).as("the prompt, then the tokens already streamed")
                        .containsExactlyElementsOf(IntStream.concat(IntStream.of(prompt),
                                IntStream.of(slice(output, 0, STREAMED_BEFORE_STOP))).boxed().toList());
                assertThat(resumed.getMaxNewTokens()).isEqualTo(MAX_TOKENS - STREAMED_BEFORE_STOP);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                router.close();
            }
        }
    }

    private static GenerationSummary summary(int completionTokens) {
        return GenerationSummary.newBuilder().setMode(Mode.MODE_TARGET_ONLY)
                .setFinishReason(FinishReason.FINISH_REASON_LENGTH).setCompletionTokens(completionTokens).build();
    }

    private static int[] slice(int[] tokens, int from, int to) {
        return Arrays.copyOfRange(tokens, from, to);
    }
}

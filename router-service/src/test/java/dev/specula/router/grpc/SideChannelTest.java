package dev.specula.router.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.FinishReason;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.SpeculationStats;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.config.FailoverProperties;
import dev.specula.router.config.SideChannelProperties;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.router.plan.Chunk;
import dev.specula.router.plan.Completion;
import dev.specula.router.plan.GenerationRequest;
import dev.specula.router.plan.GenerationService;
import dev.specula.router.plan.GenerationSink;
import dev.specula.router.plan.RequestMode;
import dev.specula.router.plan.SideChannelGuard;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import dev.specula.service.testing.RepoRoot;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The speculation side channel: how many tokens a round accepts depends on the prompt, so per-round chunks
 * fingerprint it. With a fixed cadence the chunk sizes a client sees are the same for a highly predictable
 * prompt (long accepted runs) and an unpredictable one (one token per round); without it they differ.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SideChannelTest {
    private static final int TOKENS = 60;
    private static final int[] PROMPT = {104, 105};

    private FakeBackends backends;
    private ManagedChannel channel;
    private TextTokenizer tokenizer;

    @BeforeAll
    void start() throws Exception {
        backends = new FakeBackends();
        channel = NettyChannelBuilder.forTarget(backends.target().replace("static://", "")).usePlaintext().build();
        tokenizer = TextTokenizer.load(ModelFolder.open(RepoRoot.path().resolve("models/test-tiny")));
    }

    @AfterAll
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        backends.close();
        tokenizer.close();
    }

    @Test
    void aFixedCadenceMakesChunkSizesIndependentOfAcceptance() {
        List<int[]> highAcceptance = rounds(5, 6, 6, 7, 5, 6, 6, 5, 7, 7);     // long accepted runs
        List<int[]> lowAcceptance = rounds(IntStream.range(0, 50).map(i -> i % 5 == 0 ? 2 : 1).toArray());

        assertThat(chunkSizeHistogram(highAcceptance, 0)).isNotEqualTo(chunkSizeHistogram(lowAcceptance, 0));

        Map<Integer, Integer> high = chunkSizeHistogram(highAcceptance, 4);
        Map<Integer, Integer> low = chunkSizeHistogram(lowAcceptance, 4);
        assertThat(high).isEqualTo(low).isEqualTo(Map.of(4, TOKENS / 4));
    }

    @Test
    void theTokensAndTheirTextAreUnchangedByTheCadence() {
        List<int[]> rounds = rounds(3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 8);
        assertThat(generate(rounds, 4).finalText()).isEqualTo(generate(rounds, 0).finalText());
        assertThat(generate(rounds, 4).tokens).isEqualTo(generate(rounds, 0).tokens).hasSize(60);
        Received paced = generate(rounds, 4, Duration.ofMillis(1));
        assertThat(paced.tokens).isEqualTo(generate(rounds, 0).tokens);
        assertThat(paced.finalText()).isEqualTo(generate(rounds, 0).finalText());
        assertThat(paced.chunkSizes).containsOnly(4).hasSize(TOKENS / 4);
    }

    @Test
    void sharedRoutersHideAcceptanceAndChunkAtAFixedCadenceByDefault() {
        assertThat(SideChannelGuard.resolve(SideChannelProperties.AUTO, 0)).isEqualTo(new SideChannelGuard(0, true));
        assertThat(SideChannelGuard.resolve(SideChannelProperties.AUTO, 1)).isEqualTo(new SideChannelGuard(0, true));
        assertThat(SideChannelGuard.resolve(SideChannelProperties.AUTO, 2)).isEqualTo(new SideChannelGuard(4, false));
        assertThat(SideChannelGuard.resolve(new SideChannelProperties(8, true, null), 3)).isEqualTo(new SideChannelGuard(8, true));
        assertThat(SideChannelGuard.resolve(new SideChannelProperties(0, null, null), 3)).isEqualTo(new SideChannelGuard(0, false));
    }

    /** Round sizes → token runs with distinct printable ids. */
    private static List<int[]> rounds(int... sizes) {
        List<int[]> rounds = new ArrayList<>();
        int next = 0;
        for (int size : sizes) {
            int[] round = new int[size];
            for (int i = 0; i < size; i++) {
                round[i] = 'a' + (next++ % 26);
            }
            rounds.add(round);
        }
        assertThat(next).isEqualTo(TOKENS);
        return rounds;
    }

    private Map<Integer, Integer> chunkSizeHistogram(List<int[]> rounds, int cadence) {
        Map<Integer, Integer> histogram = new TreeMap<>();
        for (int size : generate(rounds, cadence).chunkSizes) {
            histogram.merge(size, 1, Integer::sum);
        }
        return histogram;
    }

    private static final class Received {
        final List<Integer> chunkSizes = new ArrayList<>();
        final List<Integer> tokens = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        String finalText() {
            return text.toString();
        }
    }

    private Received generate(List<int[]> rounds, int cadence) {
        return generate(rounds, cadence, Duration.ZERO);
    }

    private Received generate(List<int[]> rounds, int cadence, Duration interval) {
        backends.drafter = FakeBackends.stream(rounds, GenerationSummary.newBuilder().setMode(Mode.MODE_SPECULATIVE)
                .setFinishReason(FinishReason.FINISH_REASON_LENGTH).setCompletionTokens(TOKENS)
                .setStats(SpeculationStats.newBuilder().setRounds(rounds.size())).build());
        GenerationService service = new GenerationService(new MeshBackends(channel, channel, Duration.ofSeconds(20)),
                tokenizer, true, new RouterMetrics(new SimpleMeterRegistry()), PolicyProperties.DEFAULTS, false, cadence,
                interval, FailoverProperties.DEFAULTS);
        Received received = new Received();
        Completion[] done = new Completion[1];
        service.generate(new GenerationRequest(PROMPT, RequestMode.SPECULATIVE, TOKENS, SamplingParams.GREEDY, 4, true),
                new GenerationSink() {
                    @Override
                    public boolean chunk(Chunk chunk) {
                        if (chunk.tokenIds().length > 0) {
                            received.chunkSizes.add(chunk.tokenIds().length);
                        }
                        for (int id : chunk.tokenIds()) {
                            received.tokens.add(id);
                        }
                        received.text.append(chunk.text());
                        return true;
                    }

                    @Override
                    public void complete(Completion completion) {
                        done[0] = completion;
                    }
                });
        assertThat(done[0].completionTokens()).isEqualTo(TOKENS);
        backends.reset();
        return received;
    }
}

package dev.specula.router.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.router.backend.MeshBackends;
import dev.specula.router.config.FailoverProperties;
import dev.specula.router.metrics.RouterMetrics;
import dev.specula.router.testing.FakeMesh;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.service.policy.PolicyProperties;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The cadence in time as well as in tokens, through the generation path over loopback gRPC, on a clock that moves
 * only when the router waits for a tick: every chunk, the short last one included, leaves on its own tick of the
 * grid, one per tick, whatever size the backend's rounds were.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PacedGenerationTest {
    private static final long TICK = 50_000_000;
    private FakeMesh mesh;
    private ManagedChannel channel;
    private TextTokenizer tokenizer;

    @BeforeAll
    void start() {
        mesh = new FakeMesh();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", mesh.port()).usePlaintext().build();
        tokenizer = TextTokenizer.load(ModelFolder.open(Path.of("../models/test-tiny").toAbsolutePath().normalize()));
    }

    @AfterAll
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        mesh.close();
        tokenizer.close();
    }

    @Test
    void everyChunkLeavesOnItsOwnTickWhateverTheRounds() {
        for (int roundSize : new int[] {1, 7}) {
            mesh.reset(tokenizer.encode("The quick brown fox jumps."));
            mesh.roundSize = roundSize;
            long[] now = {0};
            ChunkPacer.Clock clock = new ChunkPacer.Clock() {
                @Override
                public long nanoTime() {
                    return now[0];
                }

                @Override
                public void sleepUntil(long nanos) {
                    now[0] = Math.max(now[0], nanos);
                }
            };
            GenerationService service = new GenerationService(new MeshBackends(channel, channel,
                    Duration.ofSeconds(20)), tokenizer, true, new RouterMetrics(new SimpleMeterRegistry()),
                    PolicyProperties.DEFAULTS, false, 4, Duration.ofNanos(TICK), FailoverProperties.DEFAULTS, clock);
            List<Long> ticks = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            service.generate(new GenerationRequest(tokenizer.encode("Say"), RequestMode.SPECULATIVE, 100,
                    SamplingParams.GREEDY, 4, true), new GenerationSink() {
                        @Override
                        public boolean chunk(Chunk chunk) {
                            ticks.add(now[0]);
                            sizes.add(chunk.tokenIds().length);
                            return true;
                        }

                        @Override
                        public void complete(Completion completion) {
                        }
                    });

            assertThat(sizes).as("rounds of %d", roundSize).containsExactly(4, 4, 4, 4, 4, 4, 2);
            assertThat(ticks).as("rounds of %d", roundSize)
                    .containsExactly(TICK, 2 * TICK, 3 * TICK, 4 * TICK, 5 * TICK, 6 * TICK, 7 * TICK);
        }
    }
}

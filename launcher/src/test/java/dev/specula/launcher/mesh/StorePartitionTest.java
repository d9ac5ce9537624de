package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.verifier.VerifierApplication;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A partition between a verifier and its KV store (RELIABILITY.md #10): the verifier's store channel runs through a
 * {@link DelayProxy} that is black-holed, so store calls get no answer and no error. A restore then gives up on its
 * own (its lookup and get deadlines), counts a store fallback and recomputes: the output is the uncached output.
 * Once the link heals, the same prefix is restored from the store again.
 */
class StorePartitionTest {
    /** Two full 16-token blocks and a partial one. */
    private static final int[] PROMPT = IntStream.range(0, 40).map(i -> (i * 7 + 3) % 250).toArray();
    private static final int MAX_NEW_TOKENS = 24;

    @Test
    void aBlackHoledStoreCostsARecomputeAndTheRestoreWorksAgainOnceHealed() throws Exception {
        try (ServiceHandle kvstore = LocalMesh.startKvStore("WARN", Map.of());
             DelayProxy link = new DelayProxy("127.0.0.1", kvstore.grpcPort(), LinkProfile.NONE);
             ServiceHandle verifier = ServiceStarter.start("verifier", VerifierApplication.class, Map.of(
                     "logging.level.root", "WARN",
                     "specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                     "specula.verifier.intra-op-threads", 1,
                     // Off, so that a prefix can only come back from the store.
                     "specula.verifier.prefix-cache-bytes", "0",
                     // Generous for a loaded machine: the test shows they end the wait, not how fast.
                     "specula.verifier.kvstore-lookup-timeout", "1s",
                     "specula.verifier.kvstore-get-timeout", "3s",
                     "specula.verifier.kvstore-put-timeout", "3s",
                     "spring.grpc.client.channel.kvstore.target", "static://127.0.0.1:" + link.port()))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", verifier.grpcPort()).usePlaintext()
                    .build();
            try {
                MeterRegistry metrics = verifier.context().getBean(MeterRegistry.class);
                Generation uncached = generate(channel);
                assertThat(uncached.summary().getCachedTokens()).as("the store starts empty").isZero();
                assertThat(uncached.tokens()).hasSize(MAX_NEW_TOKENS);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> count(metrics, "specula_verifier_offload_blocks") >= 2);

                link.blackHole();
                double fallbacks = count(metrics, "specula_verifier_kvstore_fallbacks");
                double restored = count(metrics, "specula_verifier_restored_tokens");
                // The store stays unreachable for the whole call: that it ends at all means the restore gave up.
                Generation partitioned = generate(channel);

                assertThat(partitioned.summary().getCachedTokens()).as("nothing restored across the partition")
                        .isZero();
                assertThat(partitioned.tokens()).as("recomputed: the uncached output")
                        .containsExactly(uncached.tokens());
                assertThat(count(metrics, "specula_verifier_kvstore_fallbacks")).as("the failed restore is counted")
                        .isGreaterThan(fallbacks);
                assertThat(count(metrics, "specula_verifier_restored_tokens")).isEqualTo(restored);
                await("the restore's request is held in the black hole").atMost(Duration.ofSeconds(10))
                        .until(() -> link.bytesQueuedUpstream() > 0);

                link.heal();
                // The first restore after the heal may still meet the tail of the partition (a put held in the black
                // hole, a breaker that opened): wait for one that restores, checking every output on the way.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    Generation healed = generate(channel);
                    assertThat(healed.tokens()).containsExactly(uncached.tokens());
                    return healed.summary().getCachedTokens() >= 32;
                });
                assertThat(count(metrics, "specula_verifier_restored_tokens")).isGreaterThanOrEqualTo(restored + 32);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private record Generation(int[] tokens, GenerationSummary summary) {
    }

    private static Generation generate(ManagedChannel channel) {
        TargetGenerateRequest.Builder request = TargetGenerateRequest.newBuilder()
                .setSampling(ProtoMapping.sampling(SamplingParams.GREEDY))
                .setMaxNewTokens(MAX_NEW_TOKENS)
                .setIgnoreEos(true);
        IntStream.of(PROMPT).forEach(request::addPromptTokenIds);
        Iterator<GenerateEvent> events = VerifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(request.build());
        IntStream.Builder tokens = IntStream.builder();
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasSummary()) {
                return new Generation(tokens.build().toArray(), event.getSummary());
            }
            event.getChunk().getTokenIdsList().forEach(tokens::add);
        }
        throw new AssertionError("the stream ended without a summary");
    }

    private static double count(MeterRegistry registry, String name) {
        return registry.get(name).functionCounter().count();
    }
}

package dev.specula.launcher.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.client.remote.GenerationMode;
import dev.specula.client.remote.RemoteRequest;
import dev.specula.client.remote.RemoteResult;
import dev.specula.client.remote.RouterClient;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import dev.specula.router.RouterApplication;
import dev.specula.router.backend.Backend;
import dev.specula.router.backend.MeshBackends;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.runtime.tokenizer.TextTokenizer;
import dev.specula.verifier.VerifierApplication;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A partition between the router and the verifier running a generation (RELIABILITY.md #10). Two verifier replicas
 * in static discovery, each reached through its own {@link DelayProxy}: rendezvous affinity decides which one a
 * request lands on, so the test black-holes whichever the router picked, once the client has its first tokens. The
 * router hears nothing more (no error, no end), gives up at its stall timeout and resumes on the other replica from
 * the tokens it already streamed: the client gets the uninterrupted greedy output, with no token lost or repeated.
 *
 * <p>The links are capped at 2 kB/s so that a generation of a tiny model still takes seconds to reach the router,
 * and is surely in flight when the link goes dark; slices of at most 1 kB keep the gaps between events well below
 * the stall timeout.
 */
class VerifierPartitionTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {";
    private static final int MAX_TOKENS = 192;
    private static final LinkProfile LINK = LinkProfile.NONE.withBytesPerSecond(2_000);
    private static final Duration STALL = Duration.ofSeconds(3);

    @Test
    void aVerifierBlackHoledMidGenerationIsGivenUpOnAndTheOtherReplicaContinuesWithoutGapOrRepeat()
            throws Exception {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            List<DelayProxy> links = new ArrayList<>();
            List<String> endpoints = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ServiceHandle verifier = add(resources, ServiceStarter.start("verifier", VerifierApplication.class,
                        Map.of("logging.level.root", "WARN",
                                "specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                                "specula.verifier.intra-op-threads", 1)));
                DelayProxy link = add(resources, new DelayProxy("127.0.0.1", verifier.grpcPort(), LINK));
                links.add(link);
                endpoints.add("127.0.0.1:" + link.port());
            }
            Map<String, Object> routerProperties = new HashMap<>(Map.of(
                    "logging.level.root", "ERROR",
                    "specula.router.model-path", ModelPair.TEST_TINY.verifier().toString(),
                    "specula.router.discovery.verifiers[0]", endpoints.get(0),
                    "specula.router.discovery.verifiers[1]", endpoints.get(1),
                    "specula.router.failover.stall-timeout", STALL.toMillis() + "ms",
                    "specula.router.side-channel.cadence-tokens", 0));
            ServiceHandle router = add(resources, ServiceStarter.start("router", RouterApplication.class,
                    routerProperties));
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", router.grpcPort()).usePlaintext()
                    .build();
            resources.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
            MeshBackends backends = router.context().getBean(MeshBackends.class);

            AtomicReference<DelayProxy> partitioned = new AtomicReference<>();
            RemoteRequest request = new RemoteRequest(PROMPT, GenerationMode.TARGET_ONLY, MAX_TOKENS,
                    SamplingParams.GREEDY, 0, true);
            RemoteResult result = new RouterClient(channel, Duration.ofSeconds(120)).generate(request,
                    (tokens, text) -> {
                        if (partitioned.get() == null) {
                            DelayProxy victim = linkInUse(backends, links);
                            victim.blackHole();
                            partitioned.set(victim);
                        }
                        return true;
                    });

            assertThat(result.tokenIds()).as("the uninterrupted greedy output, nothing lost or repeated")
                    .containsExactly(greedy());
            assertThat(result.fallbackReason()).contains("resumed on another replica");
            assertThat(router.context().getBean(MeterRegistry.class).get("specula_router_failovers")
                    .tag("failed", "verifier").tag("stage", "mid-stream").counter().count()).isEqualTo(1);
            partitioned.get().heal();
        } finally {
            for (int i = resources.size() - 1; i >= 0; i--) {
                resources.get(i).close();
            }
        }
    }

    private static <T extends AutoCloseable> T add(List<AutoCloseable> resources, T resource) {
        resources.add(resource);
        return resource;
    }

    /** The link to the verifier replica the router is streaming from now. */
    private static DelayProxy linkInUse(MeshBackends backends, List<DelayProxy> links) {
        List<Backend> busy = backends.verifiers().backends().stream().filter(b -> b.inFlight() > 0).toList();
        assertThat(busy).as("exactly one verifier runs the generation when the first tokens arrive").hasSize(1);
        String address = busy.get(0).address();
        return links.stream().filter(link -> address.endsWith(":" + link.port())).findFirst().orElseThrow();
    }

    private static int[] greedy() {
        try (TextTokenizer tokenizer = TextTokenizer.load(ModelFolder.open(ModelPair.TEST_TINY.verifier()));
             DecoderModel target = DecoderModel.load(ModelPair.TEST_TINY.verifier(),
                     ExecutionSettings.defaults().withIntraOpThreads(1))) {
            return InProcessDecoding.targetOnly(target, tokenizer.encode(PROMPT), SamplingParams.GREEDY,
                    new StopCondition(MAX_TOKENS, new int[0])).tokens();
        }
    }
}

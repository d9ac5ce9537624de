package dev.specula.launcher.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.client.auth.BearerToken;
import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.edge.EdgeClient;
import dev.specula.edge.EdgeOptions;
import dev.specula.edge.EdgeResult;
import dev.specula.edge.TextListener;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.launcher.mesh.MeshOptions;
import dev.specula.launcher.mesh.ServiceHandle;
import dev.specula.launcher.testing.ModelPair;
import dev.specula.netem.DelayProxy;
import dev.specula.netem.LinkProfile;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edge speculation against real services: the drafter runs in this test (the "device"), the verifier session goes
 * through the router's relay. Output equals target-only decoding for every pipeline depth, seeded sampling is
 * independent of pipelining, link cuts lose and repeat nothing, and the relay enforces the router's API keys.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeSpeculationTest {
    private static final String PROMPT = "    public static int gcd(int a, int b) {\n        ";
    private static final String KEY = "edge-test-key";
    private static final int MAX_TOKENS = 48;

    private LocalMesh mesh;
    private ServiceHandle securedRouter;
    private ManagedChannel direct;
    private ManagedChannel secured;
    private DecoderModel target;
    private TextTokenizer tokenizer;

    @BeforeAll
    void start() throws Exception {
        ModelPair pair = ModelPair.UNDER_TEST;
        mesh = LocalMesh.start(new MeshOptions(pair.drafter(), pair.verifier(), 0, 0, "WARN"));
        securedRouter = mesh.startRouter(pair.verifier(), "WARN", Map.of(
                "specula.router.auth.keys[0].sha256", HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8))),
                "specula.router.auth.keys[0].tenant", "edge-tenant"));
        direct = channel(mesh.router().grpcPort());
        secured = channel(securedRouter.grpcPort());
        target = DecoderModel.load(pair.verifier(), ExecutionSettings.defaults().withIntraOpThreads(1));
        tokenizer = TextTokenizer.load(ModelFolder.open(pair.verifier()));
    }

    @AfterAll
    void stop() throws InterruptedException {
        for (ManagedChannel c : new ManagedChannel[] {direct, secured}) {
            if (c != null) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        if (target != null) {
            target.close();
            tokenizer.close();
        }
        if (securedRouter != null) {
            securedRouter.close();
        }
        if (mesh != null) {
            mesh.close();
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    private int[] targetOnlyGreedy() {
        return InProcessDecoding.targetOnly(target, tokenizer.encode(PROMPT), SamplingParams.GREEDY,
                new StopCondition(MAX_TOKENS, ModelFolder.open(ModelPair.UNDER_TEST.verifier()).generationConfig()
                        .eosTokenIds())).tokens();
    }

    private EdgeResult edge(io.grpc.Channel router, int depth, SamplingParams params, TextListener listener) {
        return edge(router, EdgeOptions.DEFAULTS.withPipelineDepth(depth), params, listener);
    }

    private EdgeResult edge(io.grpc.Channel router, EdgeOptions options, SamplingParams params,
                            TextListener listener) {
        try (EdgeClient client = EdgeClient.open(ModelPair.UNDER_TEST.drafter(), router, options)) {
            return client.generate(PROMPT, MAX_TOKENS, params, listener);
        }
    }

    @ParameterizedTest(name = "pipeline depth {0}")
    @ValueSource(ints = {1, 2, 3})
    void greedyEdgeSpeculationEqualsTargetOnlyDecoding(int depth) {
        EdgeResult result = edge(direct, depth, SamplingParams.GREEDY, TextListener.IGNORE);

        assertThat(result.tokens()).containsExactly(targetOnlyGreedy());
        assertThat(result.text()).isEqualTo(tokenizer.decode(result.tokens()));
        assertThat(result.stats().acceptedTokens()).isPositive();
        assertThat(result.bytesTransferred()).isPositive();
        if (depth == 1) {
            assertThat(result.stats().discardedRounds()).isZero();
        }
    }

    @Test
    void seededSamplingGivesTheSameTokensWithAndWithoutPipelining() {
        SamplingParams params = new SamplingParams(0.8, 0, 0.95, 1234L);
        // A seeded replay repeats only with the same draft lengths, which the draft step deadline makes depend on
        // the machine's speed: off here (its distribution is unchanged; core's chi-square gate checks that).
        EdgeOptions noDeadline = EdgeOptions.DEFAULTS.withDraftStepDeadline(Duration.ZERO);
        EdgeResult plain = edge(direct, noDeadline.withPipelineDepth(1), params, TextListener.IGNORE);
        EdgeResult pipelined = edge(direct, noDeadline.withPipelineDepth(2), params, TextListener.IGNORE);

        assertThat(pipelined.tokens()).containsExactly(plain.tokens());
        assertThat(plain.tokens()).hasSize(plain.finishReason() == FinishReason.LENGTH ? MAX_TOKENS : plain.tokens().length);
    }

    @Test
    void cutConnectionsLoseAndRepeatNoToken() throws Exception {
        try (DelayProxy proxy = new DelayProxy("127.0.0.1", mesh.router().grpcPort(),
                new LinkProfile(Duration.ofMillis(2), 0))) {
            ManagedChannel throughProxy = channel(proxy.port());
            try {
                AtomicInteger pieces = new AtomicInteger();
                EdgeResult result = edge(throughProxy, 2, SamplingParams.GREEDY, text -> {
                    int n = pieces.incrementAndGet();
                    if (n == 2 || n == 4) {
                        proxy.cutConnections();
                    }
                    return true;
                });

                assertThat(result.tokens()).containsExactly(targetOnlyGreedy());
                assertThat(result.reconnects()).isGreaterThanOrEqualTo(2);
                assertThat(proxy.cuts()).isEqualTo(2);
            } finally {
                throughProxy.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theRelayEnforcesApiKeys() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> edge(secured, 2, SamplingParams.GREEDY, TextListener.IGNORE));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

        EdgeResult result = edge(io.grpc.ClientInterceptors.intercept(secured, new BearerToken(KEY)), 2,
                SamplingParams.GREEDY, TextListener.IGNORE);
        assertThat(result.tokens()).containsExactly(targetOnlyGreedy());
    }

    @Test
    void aBudgetBeyondTheContextIsRefusedBeforeAnyCall() {
        try (EdgeClient client = EdgeClient.open(ModelPair.UNDER_TEST.drafter(), direct, EdgeOptions.DEFAULTS)) {
            assertThatThrownBy(() -> client.generate(PROMPT, 1_000_000, SamplingParams.GREEDY, TextListener.IGNORE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context");
            assertThatThrownBy(() -> client.generate("", 4, SamplingParams.GREEDY, TextListener.IGNORE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        }
    }
}

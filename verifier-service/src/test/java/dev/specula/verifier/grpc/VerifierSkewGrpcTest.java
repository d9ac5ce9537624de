package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.engine.ModelFingerprint;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.kvstore.FakeKvStoreServer;
import dev.specula.verifier.testing.ModelPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Skew between the verifier that stored a conversation's KV and the one reading it (RELIABILITY.md #13, B2): a
 * reader with another block size, or with another revision of the same weights, finds nothing to restore and
 * recomputes, with output equal to uncached decoding; the same configuration restores (so the zeros are not
 * vacuous). All three share one KV store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierSkewGrpcTest {
    private static final Path FOLDER = ModelPair.UNDER_TEST.verifier();
    private static final int NEW = 10;
    private static final String TENANT = "t-skew";

    @TempDir
    Path temp;
    private FakeKvStoreServer store;
    private RunningService writer;
    private DecoderModel target;

    @BeforeAll
    void start() {
        store = new FakeKvStoreServer();
        writer = verifier(FOLDER, 16);
        target = DecoderModel.load(FOLDER, ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterAll
    void stop() throws InterruptedException {
        target.close();
        writer.close();
        store.close();
    }

    @Test
    void aReaderWithAnotherBlockSizeOrRevisionRecomputesAndTheSameConfigurationRestores() throws IOException {
        int[] conversation = finishedConversation();
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 42));
        int[] expected = reference(nextTurn);

        try (RunningService otherBlocks = verifier(FOLDER, 32)) {
            assertThat(nextTurnOn(otherBlocks, nextTurn, expected)).as("block size 16 → 32").isZero();
        }
        Path revised = revisedCopy(FOLDER, "retrained-2026-11-22");
        try (RunningService otherRevision = verifier(revised, 16)) {
            assertThat(nextTurnOn(otherRevision, nextTurn, expected)).as("same shapes, another revision").isZero();
        }
        assertThat(nextTurnOn(writer, nextTurn, expected)).as("the writer's own configuration").isEqualTo(64);
    }

    private RunningService verifier(Path model, int blockTokens) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "specula.verifier.model-path", model.toString(),
                "specula.verifier.intra-op-threads", "2",
                "specula.verifier.block-tokens", Integer.toString(blockTokens),
                // No local prefix cache: a hit can only come through the shared store.
                "specula.verifier.prefix-cache-bytes", "0",
                "specula.verifier.kvstore-lookup-timeout", "5s",
                "specula.verifier.kvstore-get-timeout", "10s",
                "spring.grpc.client.channel.kvstore.target", store.target()));
        return RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, properties);
    }

    /** @return the cached tokens the reader reported; its output must equal uncached decoding either way */
    private int nextTurnOn(RunningService reader, int[] prompt, int[] expected) {
        SessionCall call = new SessionCall(reader.channel());
        int cached = call.open(open(prompt)).getCachedTokens();
        assertThat(decode(call)).isEqualTo(expected);
        call.completeAndAwaitEnd();
        return cached;
    }

    /** A 70-token prompt and its greedy answer, finished on the writer, whose blocks then reach the store. */
    private int[] finishedConversation() {
        int[] prompt = TestTokens.tokens(70, 41);
        int before = store.blockCount();
        SessionCall call = new SessionCall(writer.channel());
        call.open(open(prompt));
        int[] generated = decode(call);
        call.completeAndAwaitEnd();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.blockCount() >= before + 4);
        return concat(prompt, generated);
    }

    /** A copy of the model folder whose weights are the same bytes but carry another revision name. */
    private Path revisedCopy(Path folder, String revision) throws IOException {
        Path copy = temp.resolve("revised");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        Files.writeString(copy.resolve(ModelFingerprint.REVISION_FILE), revision);
        return copy;
    }

    private static int[] decode(SessionCall call) {
        int[] out = new int[NEW];
        for (int i = 0; i < NEW; i++) {
            out[i] = call.round(VerifyRound.newBuilder().setRound(i + 1).build()).getNextToken();
        }
        return out;
    }

    private int[] reference(int[] prompt) {
        return InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY, new StopCondition(NEW, new int[0]))
                .tokens();
    }

    private static OpenSession open(int[] prompt) {
        return VerifierSessionGrpcTest.open(prompt, SamplingParams.GREEDY, 2 * NEW).toBuilder().setTenant(TENANT)
                .build();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

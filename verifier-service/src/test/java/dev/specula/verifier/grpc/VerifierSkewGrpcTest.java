package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.OpenSession;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.engine.ModelFingerprint;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.kvstore.FakeKvStoreServer;
import dev.specula.verifier.testing.ModelPair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * reader with another block size, with another revision of the same weights, or with another tokenizer file, finds
 * nothing to restore and recomputes, with output equal to uncached decoding; the same configuration restores (so
 * the zeros are not vacuous). All share one KV store.
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
        int[] conversation = finishedConversation(41);
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 42));
        int[] expected = reference(nextTurn);

        try (RunningService otherBlocks = verifier(FOLDER, 32)) {
            assertThat(nextTurnOn(otherBlocks, nextTurn, expected)).as("block size 16 → 32").isZero();
        }
        Path revised = copyWith("revised", folder -> Files.writeString(
                folder.resolve(ModelFingerprint.REVISION_FILE), "retrained-2026-11-22"));
        try (RunningService otherRevision = verifier(revised, 16)) {
            assertThat(nextTurnOn(otherRevision, nextTurn, expected)).as("same shapes, another revision").isZero();
        }
        assertThat(nextTurnOn(writer, nextTurn, expected)).as("the writer's own configuration").isEqualTo(64);
    }

    @Test
    void aReaderWithAnotherTokenizerFileRestoresNothingAndDecodesAsUncached() throws IOException {
        int[] conversation = finishedConversation(51);
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 52));
        int[] expected = reference(nextTurn);
        // Same weights, same token ids for these prompts, but a tokenizer.json with other bytes (as after a
        // tokenizer fix upstream): its hash is in every block key, so nothing written by the writer may be read.
        Path retokenized = copyWith("retokenized", folder -> Files.writeString(folder.resolve(ModelFolder.TOKENIZER),
                "\n", StandardOpenOption.APPEND));
        try (RunningService otherTokenizer = verifier(retokenized, 16)) {
            assertThat(nextTurnOn(otherTokenizer, nextTurn, expected)).as("tokenizer.json hash differs").isZero();
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
        assertThat(call.plainRounds(NEW)).isEqualTo(expected);
        call.completeAndAwaitEnd();
        return cached;
    }

    /**
     * A 70-token prompt and its greedy answer, finished on the writer, whose blocks then reach the store; each test
     * uses its own {@code seed}, so its blocks are new to the store.
     */
    private int[] finishedConversation(int seed) {
        int[] prompt = TestTokens.tokens(70, seed);
        int before = store.blockCount();
        SessionCall call = new SessionCall(writer.channel());
        call.open(open(prompt));
        int[] generated = call.plainRounds(NEW);
        call.completeAndAwaitEnd();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.blockCount() >= before + 4);
        return concat(prompt, generated);
    }

    /** Changes one file of a model folder copy. */
    private interface Edit {
        void apply(Path folder) throws IOException;
    }

    /** A copy of the model folder (same weights, bytewise) with {@code edit} applied to it. */
    private Path copyWith(String name, Edit edit) throws IOException {
        Path copy = temp.resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(FOLDER)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        edit.apply(copy);
        return copy;
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

package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerationFence;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.TargetGenerateRequest;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.service.testing.RunningService;
import dev.specula.service.testing.TestTokens;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.kvstore.FakeKvStoreServer;
import dev.specula.verifier.testing.ModelPair;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Offload and restore through a KV store speaking the real protocol: a finished session's blocks reach the
 * store, the next turn restores them (cached_tokens in SessionOpened and in the Generate summary), tenants never
 * share, and damaged blocks are refused so the greedy output always equals the uncached one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierKvCacheGrpcTest {
    private static final Path FOLDER = ModelPair.UNDER_TEST.verifier();
    private static final int NEW = 10;

    private FakeKvStoreServer store;
    private RunningService verifier;
    private VerifierEngine engine;
    private DecoderModel target;

    @BeforeAll
    void start() {
        store = new FakeKvStoreServer();
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, Map.of(
                "specula.verifier.model-path", FOLDER.toString(),
                "specula.verifier.intra-op-threads", "2",
                // No local prefix cache: every hit below must have come through the store.
                "specula.verifier.prefix-cache-bytes", "0",
                // Generous deadlines: a loaded CI machine must not turn these hits into (correct) misses.
                "specula.verifier.kvstore-lookup-timeout", "5s",
                "specula.verifier.kvstore-get-timeout", "10s",
                "spring.grpc.client.channel.kvstore.target", store.target()));
        engine = verifier.bean(VerifierEngine.class);
        target = DecoderModel.load(FOLDER, ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (target != null) {
            target.close();
        }
        if (verifier != null) {
            verifier.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void theNextTurnRestoresTheFinishedConversationFromTheStoreInItsTenantOnly() {
        int[] conversation = finishedConversation("t-restore", 21);
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 22));

        SessionCall call = new SessionCall(verifier.channel());
        SessionOpened opened = call.open(open("t-restore", nextTurn));
        assertThat(opened.getCachedTokens()).as("79 cached tokens of the first turn = 4 full blocks").isEqualTo(64);
        assertThat(call.plainRounds(NEW)).isEqualTo(reference(nextTurn));
        call.completeAndAwaitEnd();

        SessionCall stranger = new SessionCall(verifier.channel());
        assertThat(stranger.open(open("t-other", nextTurn)).getCachedTokens()).as("another tenant").isZero();
        assertThat(stranger.plainRounds(NEW)).isEqualTo(reference(nextTurn));
        stranger.completeAndAwaitEnd();
    }

    @Test
    void targetOnlyGenerateReportsCachedTokensInItsSummary() {
        int[] conversation = finishedConversation("t-generate", 31);
        int[] nextTurn = concat(conversation, TestTokens.tokens(5, 32));
        TargetGenerateRequest.Builder request = TargetRequests.greedy(nextTurn, NEW).setTenant("t-generate");
        Iterator<GenerateEvent> events = VerifierGrpc.newBlockingStub(verifier.channel()).generate(request.build());
        int[] tokens = new int[0];
        GenerateEvent last = null;
        while (events.hasNext()) {
            last = events.next();
            if (last.hasChunk()) {
                tokens = concat(tokens, last.getChunk().getTokenIdsList().stream().mapToInt(Integer::intValue).toArray());
            }
        }
        assertThat(last.getSummary().getCachedTokens()).isEqualTo(64);
        assertThat(tokens).isEqualTo(reference(nextTurn));
    }

    @ParameterizedTest
    @EnumSource(value = FakeKvStoreServer.Damage.class, names = {"FLIPPED_PAYLOAD", "WRONG_KEY", "OTHER_CODEC"})
    void damagedBlocksAreRefusedAndTheOutputEqualsTheUncachedOne(FakeKvStoreServer.Damage damage) {
        String tenant = "t-" + damage;
        int[] conversation = finishedConversation(tenant, 41 + damage.ordinal());
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 51));
        store.damage(damage);
        try {
            SessionCall call = new SessionCall(verifier.channel());
            assertThat(call.open(open(tenant, nextTurn)).getCachedTokens()).as(damage.toString()).isZero();
            assertThat(call.plainRounds(NEW)).as(damage.toString()).isEqualTo(reference(nextTurn));
            call.completeAndAwaitEnd();
        } finally {
            store.damage(FakeKvStoreServer.Damage.NONE);
        }
        String scrape = verifier.bean(PrometheusMeterRegistry.class).scrape();
        assertThat(scrape).contains("specula_verifier_kvstore_corrupt_blocks_total");
    }

    /** The blocks before the damage are usable only when the stream vouches for them (in order, call succeeded). */
    @ParameterizedTest
    @EnumSource(value = FakeKvStoreServer.Damage.class, names = {"OUT_OF_ORDER", "FAILS_MIDWAY"})
    void aDamagedStreamRestoresAtMostItsGoodPrefixAndTheOutputEqualsTheUncachedOne(FakeKvStoreServer.Damage damage) {
        String tenant = "t-" + damage;
        int[] conversation = finishedConversation(tenant, 71 + damage.ordinal());
        int[] nextTurn = concat(conversation, TestTokens.tokens(9, 81));
        store.damage(damage);
        try {
            SessionCall call = new SessionCall(verifier.channel());
            int expected = damage == FakeKvStoreServer.Damage.OUT_OF_ORDER ? 16 : 0; // the first block; nothing
            assertThat(call.open(open(tenant, nextTurn)).getCachedTokens()).as(damage.toString()).isEqualTo(expected);
            assertThat(call.plainRounds(NEW)).as(damage.toString()).isEqualTo(reference(nextTurn));
            call.completeAndAwaitEnd();
        } finally {
            store.damage(FakeKvStoreServer.Damage.NONE);
        }
    }

    /**
     * RELIABILITY.md #24: a session carries the router's fence (OpenSession.fence) to its offload writes. Once the
     * generation's epoch 2 wrote, a session of epoch 1 (the superseded owner) decodes as before but the store
     * refuses its blocks, and the verifier counts them as fenced, not as a store failure.
     */
    @Test
    void aSessionOfASupersededEpochHasItsOffloadRefusedByTheStore() {
        String generation = "gen-" + System.nanoTime();
        finishedConversation(open("t-fence", TestTokens.tokens(70, 91)).toBuilder()
                .setFence(GenerationFence.newBuilder().setGenerationId(generation).setEpoch(2)).build());
        assertThat(store.newestEpochs).containsEntry(generation, 2L);
        long fencedBefore = engine.serving().counters().offloadFencedBlocks();
        long fallbacksBefore = engine.serving().counters().storeFallbacks();
        int blocksBefore = store.blockCount();

        int[] prompt = TestTokens.tokens(70, 92);
        SessionCall stale = new SessionCall(verifier.channel());
        stale.open(open("t-fence", prompt).toBuilder()
                .setFence(GenerationFence.newBuilder().setGenerationId(generation).setEpoch(1)).build());
        assertThat(stale.plainRounds(NEW)).isEqualTo(reference(prompt));
        stale.completeAndAwaitEnd();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.serving().counters().offloadFencedBlocks() >= fencedBefore + 4);
        assertThat(store.blockCount()).as("nothing of the stale session stored").isEqualTo(blocksBefore);
        assertThat(engine.serving().counters().storeFallbacks()).isEqualTo(fallbacksBefore);
        assertThat(verifier.bean(PrometheusMeterRegistry.class).scrape())
                .contains("specula_verifier_offload_fenced_blocks_total");
    }

    @Test
    void aFenceWithoutAnEpochIsRefused() {
        SessionCall call = new SessionCall(verifier.channel());
        call.send(dev.specula.proto.v1.SessionRequest.newBuilder().setOpen(open("t-fence", TestTokens.tokens(20, 93))
                .toBuilder().setFence(GenerationFence.newBuilder().setGenerationId("gen"))).build());
        io.grpc.Status status = call.failure();
        assertThat(status.getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("fence.epoch");
    }

    @Test
    void engineStateIsExportedUnderSpeculaAndVllmNames() {
        finishedConversation("t-metrics", 61);
        String scrape = verifier.bean(PrometheusMeterRegistry.class).scrape();
        assertThat(scrape)
                .contains("vllm:num_requests_running{model_name=\"" + FOLDER.getFileName() + "\"}")
                .contains("vllm:num_requests_waiting{")
                .contains("vllm:kv_cache_usage_perc{")
                .contains("vllm:num_preemptions_total{")
                .contains("specula_verifier_batch_size_count")
                .contains("specula_verifier_kv_budget_bytes")
                .contains("specula_verifier_kv_bytes_in_use")
                .contains("specula_verifier_offload_bytes_total")
                .contains("specula_verifier_restored_tokens_total")
                .contains("specula_verifier_prefix_cache_hit_tokens_total")
                .contains("specula_verifier_evictions_total")
                .contains("specula_verifier_scheduler_queue_depth")
                .contains("specula_verifier_batch_staging_bytes");
        assertThat(engine.serving().counters().offloadBytes()).isPositive();
    }

    /** Runs a 70-token prompt for NEW greedy tokens in {@code tenant}, then waits until its blocks are stored. */
    private int[] finishedConversation(String tenant, int seed) {
        return finishedConversation(open(tenant, TestTokens.tokens(70, seed)));
    }

    /** Runs the opened session for NEW greedy tokens, then waits until its blocks are stored. */
    private int[] finishedConversation(OpenSession open) {
        int[] prompt = open.getPromptTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
        int before = store.blockCount();
        SessionCall call = new SessionCall(verifier.channel());
        call.open(open);
        int[] generated = call.plainRounds(NEW);
        assertThat(generated).isEqualTo(reference(prompt));
        call.completeAndAwaitEnd();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.blockCount() >= before + 4);
        return concat(prompt, generated);
    }

    private int[] reference(int[] prompt) {
        return InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY, new StopCondition(NEW, new int[0]))
                .tokens();
    }

    private static OpenSession open(String tenant, int[] prompt) {
        return VerifierSessionGrpcTest.open(prompt, SamplingParams.GREEDY, 2 * NEW).toBuilder().setTenant(tenant).build();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

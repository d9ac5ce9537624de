package dev.specula.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.e2e.RouterCalls.Run;

import dev.specula.proto.v1.Mode;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #24, stale owners, with real processes: a KV store, two verifiers and a router (target-only, no
 * drafter). A greedy generation streams from verifier A; A is frozen with SIGSTOP (a long GC pause, a stuck VM).
 * The router's stall timeout (2 s here) gives up on A and resumes the generation on B with the next epoch of its
 * fence; B finishes and offloads the session's KV to the store at epoch 2. Then A is woken with SIGCONT: it finds its
 * call cancelled, ends its session and offloads the KV it holds at epoch 1 — a late write of a superseded owner,
 * which the store must refuse. The client sees exactly the uninterrupted greedy output: no token twice, none lost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaleOwnerTest {
    private static final String PROMPT = "public static int gcd(int a, int b) {\n";
    /** Long enough that the pause after the first tokens lands well before the end, also on a fast machine. */
    private static final int MAX_TOKENS = 400;
    /** Tokens the client waits for before freezing the verifier: A then holds at least two full KV blocks. */
    private static final int PAUSE_AFTER = 24;
    private static final String ADMITTED = "outcome=\"admitted\"";
    private static final String REJECTED = "outcome=\"rejected\"";

    private final ProcessGroup processes = new ProcessGroup();
    private ServiceProcess kvstore;
    private ServiceProcess verifierA;
    private ServiceProcess verifierB;
    private ManagedChannel channel;

    @BeforeAll
    void startMesh() throws Exception {
        kvstore = processes.start("stale-kvstore", "kvstore-service", List.of());
        String store = "--spring.grpc.client.channel.kvstore.target=static://" + kvstore.grpcAddress();
        verifierA = processes.start("stale-verifier-a", "verifier-service", List.of(store));
        verifierB = processes.start("stale-verifier-b", "verifier-service", List.of(store));
        ServiceProcess router = processes.start("stale-router", "router-service", List.of(
                "--specula.router.discovery.verifiers=" + verifierA.grpcAddress() + "," + verifierB.grpcAddress(),
                "--specula.router.discovery.probe-interval=500ms",
                "--specula.router.failover.stall-timeout=2s"));
        processes.awaitReady();
        channel = processes.channelTo(router);
        RouterCalls.awaitServing(channel, Mode.MODE_TARGET_ONLY);
    }

    @AfterAll
    void stopMesh() throws Exception {
        processes.close();
    }

    @Test
    void lateKvWritesOfAPausedVerifierAreRejectedAndTheClientSeesNoDuplicate() throws Exception {
        double admittedBefore = kvstore.metric("specula_kvstore_fence_writes_total", ADMITTED);
        ServiceProcess[] paused = new ServiceProcess[1];

        Run run = RouterCalls.generate(channel, PROMPT, Mode.MODE_TARGET_ONLY, MAX_TOKENS, PAUSE_AFTER, () -> {
            paused[0] = RouterCalls.servingVerifier(verifierA, verifierB);
            paused[0].pause();
        });
        ServiceProcess owner = paused[0];
        ServiceProcess successor = owner == verifierA ? verifierB : verifierA;

        assertThat(run.tokens()).as("tokens streamed: none twice, none lost").isEqualTo(MAX_TOKENS);
        assertThat(run.summary().getFallbackReason()).contains("verifier").contains("resumed on another replica");
        // The successor's session ends with the generation and offloads its KV at epoch 2: admitted.
        awaitAtLeast(kvstore, "specula_kvstore_fence_writes_total", ADMITTED, admittedBefore + 1);
        awaitAtLeast(successor, "specula_verifier_offload_blocks_total", "", 1);
        assertThat(kvstore.metric("specula_kvstore_fence_writes_total", REJECTED)).isZero();

        owner.resume();

        // The woken owner ends its cancelled session and offloads at epoch 1: refused, every block of it.
        awaitAtLeast(kvstore, "specula_kvstore_fence_writes_total", REJECTED, 1);
        awaitAtLeast(owner, "specula_verifier_offload_fenced_blocks_total", "", 2);
        assertThat(owner.metric("specula_verifier_offload_blocks_total")).as("nothing of A's reached the store")
                .isZero();
        assertThat(successor.metric("specula_verifier_offload_fenced_blocks_total")).isZero();
        assertThat(owner.awaitZero("specula_verifier_open_sessions", Duration.ofSeconds(30))).as(owner.name).isZero();

        // The uninterrupted greedy output, computed afterwards: computed first, it would have put this prompt's
        // blocks in the store and in the serving verifier's record of offloaded keys, leaving A nothing to offload.
        Run baseline = RouterCalls.generate(channel, PROMPT, Mode.MODE_TARGET_ONLY, MAX_TOKENS, PAUSE_AFTER, null);
        assertThat(baseline.tokens()).isEqualTo(MAX_TOKENS);
        assertThat(baseline.summary().getFallbackReason()).isEmpty();
        assertThat(run.text()).as("greedy output with the serving verifier frozen mid-stream")
                .isEqualTo(baseline.text());
    }

    private static void awaitAtLeast(ServiceProcess p, String metric, String label, double atLeast) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double value = p.metric(metric, label);
        while (value < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(100);
            value = p.metric(metric, label);
        }
        assertThat(value).as(metric + "{" + label + "} on " + p.name + "; log: " + p.tail()).isGreaterThanOrEqualTo(
                atLeast);
    }

}

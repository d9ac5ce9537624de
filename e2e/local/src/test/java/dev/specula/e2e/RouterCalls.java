package dev.specula.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.GenerationSummary;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** What the end-to-end tests do through a router: greedy generations with a fault midway, and waits. */
final class RouterCalls {

    /** A fault the test injects while a generation streams. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** One generation as the client saw it. */
    record Run(String text, int tokens, GenerationSummary summary) {
    }

    private RouterCalls() {
    }

    /**
     * One greedy generation of {@code maxTokens} (end of text ignored); {@code midway} runs once {@code actAfter}
     * tokens have arrived (null: none), and must have run by the end.
     */
    static Run generate(ManagedChannel channel, String prompt, Mode mode, int maxTokens, int actAfter, Action midway)
            throws Exception {
        Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.MINUTES)
                .generate(GenerateRequest.newBuilder().setPrompt(prompt).setMode(mode).setMaxTokens(maxTokens)
                        .setIgnoreEos(true).setSampling(SamplingParams.newBuilder().setTemperature(0)).build());
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        boolean acted = midway == null;
        GenerationSummary summary = null;
        while (events.hasNext()) {
            GenerateEvent event = events.next();
            if (event.hasSummary()) {
                summary = event.getSummary();
                break;
            }
            text.append(event.getChunk().getText());
            tokens += event.getChunk().getTokenIdsCount();
            if (!acted && tokens >= actAfter) {
                midway.run();
                acted = true;
            }
        }
        assertThat(acted).as("the fault happened mid-generation").isTrue();
        assertThat(summary).isNotNull();
        return new Run(text.toString(), tokens, summary);
    }

    /**
     * The router started before its backends were listening; it sends work to a replica once a health probe has
     * reached it. Wait for that (at most 30 s), as a load balancer would wait for readiness.
     */
    static void awaitServing(ManagedChannel channel, Mode mode) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                RouterGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
                        .generate(GenerateRequest.newBuilder().setPrompt("x").setMode(mode)
                                .setMaxTokens(1).build())
                        .forEachRemaining(e -> { });
                return;
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Which of two verifiers holds the running request's session. Readiness probes open a one-token session for
     * about a millisecond every few seconds, so the answer counts only when exactly one replica has a session open.
     */
    static ServiceProcess servingVerifier(ServiceProcess a, ServiceProcess b) throws Exception {
        for (int i = 0; i < 100; i++) {
            boolean onA = a.metric("specula_verifier_open_sessions") > 0;
            boolean onB = b.metric("specula_verifier_open_sessions") > 0;
            if (onA != onB) {
                return onA ? a : b;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("could not tell which verifier serves the request");
    }
}

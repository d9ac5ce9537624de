package dev.specula.drafter.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.RoundListener;
import dev.specula.core.loop.RoundTrace;
import dev.specula.core.loop.VerifierLoad;
import dev.specula.core.verify.Verdict;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;

/** Round spans exist only under a sampled request span, one per round, with what the round did. */
class RoundTracingTest {
    private final SimpleTracer tracer = new SimpleTracer();

    private SimpleSpan request(boolean sampled) {
        SimpleSpan request = tracer.nextSpan().name("request").start();
        request.context().setSampled(sampled);
        return request;
    }

    private static RoundTrace trace(int drafted, int accepted) {
        Draft draft = new Draft(new int[drafted], null, new float[drafted]);
        Verdict verdict = new Verdict(accepted, 7, accepted == drafted, new float[accepted], 0f);
        return new RoundTrace(draft, verdict, drafted, 2_000_000, 5_000_000, VerifierLoad.UNKNOWN, 3_000_000);
    }

    @Test
    void anUnsampledOrUntracedRequestGetsTheNoOpListener() {
        assertThat(new RoundTracing(tracer).forCurrentRequest()).as("no current span").isSameAs(RoundListener.NONE);
        SimpleSpan request = request(false);
        try (var scope = tracer.withSpan(request)) {
            assertThat(new RoundTracing(tracer).forCurrentRequest()).as("unsampled").isSameAs(RoundListener.NONE);
        }
    }

    @Test
    void eachRoundIsAChildSpanOfTheRequestWithWhatItDraftedAndAccepted() {
        SimpleSpan request = request(true);
        RoundListener rounds;
        try (var scope = tracer.withSpan(request)) {
            rounds = new RoundTracing(tracer).forCurrentRequest();
        }
        rounds.started(1);
        rounds.verified(trace(4, 2), 3);
        rounds.ended(null);
        rounds.started(2);
        IllegalStateException failure = new IllegalStateException("verifier gone");
        rounds.ended(failure);

        assertThat(tracer.getSpans()).filteredOn(s -> s.getName().equals(RoundSpans.NAME)).hasSize(2)
                .allSatisfy(round -> {
                    assertThat(round.getParentId()).isEqualTo(request.context().spanId());
                    assertThat(round.getEndTimestamp()).as("ended").isNotNull();
                })
                .satisfiesExactly(first -> {
                    assertThat(first.getTags()).containsEntry("specula.round", "1")
                            .containsEntry("specula.drafted", "4").containsEntry("specula.verified", "4")
                            .containsEntry("specula.accepted", "2").containsEntry("specula.committed", "3")
                            .containsEntry("specula.verifier_ms", "3.0");
                    assertThat(first.getError()).isNull();
                }, second -> {
                    assertThat(second.getTags()).containsEntry("specula.round", "2")
                            .doesNotContainKey("specula.accepted");
                    assertThat(second.getError()).isSameAs(failure);
                });
    }
}

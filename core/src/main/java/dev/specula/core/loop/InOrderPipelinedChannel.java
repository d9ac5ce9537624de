package dev.specula.core.loop;

import dev.specula.core.verify.Verdict;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * Pipelined rounds over a one-round-at-a-time verifier (an in-process session): submitted rounds queue up and
 * are checked, in order, through {@link PipelineGate} when their verdicts are awaited. Nothing overlaps here; it
 * gives local verifiers the pipelined protocol, so the pipelined loop runs against any verifier.
 */
public final class InOrderPipelinedChannel implements PipelinedVerifierChannel {
    private record Submitted(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extraPlainSteps) {
    }

    private final VerifierChannel verifier;
    private final PipelineGate gate = new PipelineGate();
    private final ArrayDeque<Submitted> queue = new ArrayDeque<>();

    public InOrderPipelinedChannel(VerifierChannel verifier) {
        this.verifier = verifier;
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious) {
        submit(uncheckedContext, draft, continuesPrevious, 0);
    }

    @Override
    public void submit(int[] uncheckedContext, Draft draft, boolean continuesPrevious, int extraPlainSteps) {
        queue.add(new Submitted(uncheckedContext, draft, continuesPrevious, extraPlainSteps));
    }

    @Override
    public Optional<Verdict> awaitVerdict() {
        Submitted next = queue.poll();
        if (next == null) {
            throw new IllegalStateException("no round in flight");
        }
        Optional<Draft> admitted = gate.admit(next.continuesPrevious(), next.uncheckedContext(), next.draft());
        if (admitted.isEmpty()) {
            return Optional.empty();
        }
        Verdict verdict = verifier.verify(next.uncheckedContext(), admitted.get(), next.extraPlainSteps());
        gate.checked(admitted.get(), verdict);
        return Optional.of(verdict);
    }

    @Override
    public VerifierLoad load() {
        return verifier.load();
    }

    @Override
    public long lastServerNanos() {
        return verifier.lastServerNanos();
    }

    @Override
    public void close() {
        verifier.close();
    }
}

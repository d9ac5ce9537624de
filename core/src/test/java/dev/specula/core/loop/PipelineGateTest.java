package dev.specula.core.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.verify.Verdict;
import org.junit.jupiter.api.Test;

class PipelineGateTest {
    private final PipelineGate gate = new PipelineGate();

    private static Draft draft(int... tokens) {
        return new Draft(tokens, null, new float[tokens.length]);
    }

    private static Verdict verdict(int accepted, int next) {
        return new Verdict(accepted, next, false, new float[accepted], 0f);
    }

    @Test
    void aContinuationIsCheckedWithoutItsGuessWhenThePreviousRoundWasAcceptedAndGuessedRight() {
        Draft first = gate.admit(false, new int[0], draft(1, 2)).orElseThrow();
        gate.checked(first, verdict(2, 7));
        assertArrayEquals(new int[] {8, 9}, gate.admit(true, new int[0], draft(7, 8, 9)).orElseThrow().tokens());
    }

    @Test
    void aContinuationIsDiscardedAfterARejectionOrAWrongGuessAndSoIsTheChainAfterIt() {
        Draft first = gate.admit(false, new int[0], draft(1, 2)).orElseThrow();
        gate.checked(first, verdict(1, 5));
        assertTrue(gate.admit(true, new int[0], draft(5, 8)).isEmpty(), "previous round fell short");
        assertTrue(gate.admit(true, new int[0], draft(3, 4)).isEmpty(), "chained onto a discarded round");

        Draft fresh = gate.admit(false, new int[0], draft(4)).orElseThrow();
        gate.checked(fresh, verdict(1, 6));
        assertTrue(gate.admit(true, new int[0], draft(9, 1)).isEmpty(), "wrong guess of the bonus token");
    }

    @Test
    void afterExtraPlainStepsAContinuationGuessesTheLastOfThem() {
        Draft plain = gate.admit(false, new int[0], Draft.EMPTY).orElseThrow();
        Verdict burst = new Verdict(0, 7, true, new float[0], 0f, new int[] {8, 9});
        gate.checked(plain, burst);
        assertTrue(gate.admit(true, new int[0], draft(7, 3)).isEmpty(), "7 is already followed by 8 and 9");
        Draft again = gate.admit(false, new int[0], Draft.EMPTY).orElseThrow();
        gate.checked(again, burst);
        assertArrayEquals(new int[] {3}, gate.admit(true, new int[0], draft(9, 3)).orElseThrow().tokens());
    }

    @Test
    void theFirstRoundCannotBeAContinuation() {
        assertTrue(gate.admit(true, new int[0], draft(1)).isEmpty());
    }

    @Test
    void malformedContinuationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> gate.admit(true, new int[] {1}, draft(1)));
        assertThrows(IllegalArgumentException.class, () -> gate.admit(true, new int[0], Draft.EMPTY));
    }
}

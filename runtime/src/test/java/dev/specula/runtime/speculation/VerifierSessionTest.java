package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.loop.Draft;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.Verdict;
import dev.specula.runtime.decoder.ContextOverflowException;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VerifierSessionTest {
    private final DecoderModel tiny = TestModels.tiny();
    private final int vocab = tiny.vocabSize();

    /** The target's greedy next token after {@code sequence}, computed from scratch. */
    private int argmaxAfter(int[] sequence) {
        try (DecoderSession session = tiny.newSession()) {
            return LogitsShaper.argmax(session.forwardLast(sequence, 1), 0, vocab);
        }
    }

    private static Draft greedyDraft(int... tokens) {
        float[] confidences = new float[tokens.length];
        Arrays.fill(confidences, 1f);
        return new Draft(tokens, null, confidences);
    }

    @Test
    void theCacheHoldsEverythingButThePendingTokenAfterEveryRound() {
        int[] prompt = TestModels.tokens(10, 1);
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            assertEquals(0, verifier.cachedLength(), "the prompt is prefilled by the first round");
            for (int round = 0; round < 6; round++) {
                int[] committedBefore = verifier.committed();
                Verdict verdict = verifier.verify(new int[0], greedyDraft(TestModels.tokens(round % 4, 50 + round)));
                assertEquals(committedBefore.length + verdict.committedCount(), verifier.committedLength());
                assertEquals(verifier.committedLength() - 1, verifier.cachedLength());
                assertEquals(argmaxAfter(Arrays.copyOf(verifier.committed(), verifier.committedLength() - 1)),
                        verifier.committed()[verifier.committedLength() - 1], "the committed token is the target's argmax");
            }
        }
    }

    @Test
    void aCorrectDraftIsAcceptedWithABonusAndAWrongOneIsReplacedByTheArgmax() {
        int[] prompt = TestModels.tokens(8, 2);
        int first = argmaxAfter(prompt);
        int second = argmaxAfter(concat(prompt, first));
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            Verdict verdict = verifier.verify(new int[0], greedyDraft(first, second));
            assertEquals(2, verdict.accepted());
            assertTrue(verdict.bonus());
            assertEquals(argmaxAfter(concat(prompt, first, second)), verdict.nextToken());
        }
        int wrong = (first + 1) % 256;
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            Verdict verdict = verifier.verify(new int[0], greedyDraft(wrong, second));
            assertEquals(0, verdict.accepted());
            assertFalse(verdict.bonus());
            assertEquals(first, verdict.nextToken(), "recovered token = target argmax");
            assertEquals(prompt.length, verifier.cachedLength(), "the rejected drafts were rolled back");
        }
    }

    @Test
    void uncheckedContextIsTakenAsCommittedBeforeTheDraft() {
        int[] prompt = TestModels.tokens(6, 3);
        int[] unchecked = {'x', 'y', 'z'};
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            verifier.verify(new int[0], Draft.EMPTY);
            int[] before = verifier.committed();
            Verdict verdict = verifier.verify(unchecked, Draft.EMPTY);
            int[] withContext = concat(before, unchecked);
            assertEquals(argmaxAfter(withContext), verdict.nextToken());
            assertArrayEquals(concat(withContext, verdict.nextToken()), verifier.committed());
        }
    }

    @Test
    void aRoundThatDoesNotFitTheContextFailsAndChangesNothing() {
        int max = tiny.maxPositions();
        int[] prompt = TestModels.tokens(max - 3, 4);
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> verifier.verify(new int[0], greedyDraft(1, 2, 3, 4)));
            assertTrue(e.getMessage().contains(String.valueOf(max)), e.getMessage());
            assertEquals(prompt.length, verifier.committedLength());
            assertEquals(0, verifier.cachedLength());
            Verdict verdict = verifier.verify(new int[0], greedyDraft(1, 2));
            assertEquals(prompt.length + verdict.committedCount(), verifier.committedLength());
        }
    }

    @Test
    void aDraftedIdOutsideTheVocabularyIsRejectedAndChangesNothing() {
        int[] prompt = TestModels.tokens(5, 5);
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> verifier.verify(new int[0], greedyDraft(3, vocab + 7)));
            assertTrue(e.getMessage().contains(String.valueOf(vocab + 7)), e.getMessage());
            assertEquals(prompt.length, verifier.committedLength());
            assertThrows(IllegalArgumentException.class, () -> VerifierSession.open(tiny, new int[0], SamplingParams.GREEDY));
        }
    }

    @Test
    void resumingFromAnImportedPrefixGivesTheSameVerdicts() {
        int[] prompt = TestModels.tokens(20, 6);
        Verdict fresh;
        try (VerifierSession verifier = VerifierSession.open(tiny, prompt, SamplingParams.GREEDY)) {
            fresh = verifier.verify(new int[0], greedyDraft(7, 8, 9));
        }
        DecoderSession restored = tiny.newSession();
        try (DecoderSession donor = tiny.newSession()) {
            donor.forward(Arrays.copyOf(prompt, 12));
            restored.importKv(0, donor.exportKv(0, 12));
        }
        try (VerifierSession verifier = VerifierSession.resume(restored, prompt, SamplingParams.GREEDY)) {
            Verdict resumed = verifier.verify(new int[0], greedyDraft(7, 8, 9));
            assertEquals(fresh.accepted(), resumed.accepted());
            assertEquals(fresh.nextToken(), resumed.nextToken());
        }
    }

    static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

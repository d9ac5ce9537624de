package dev.specula.verifier.grpc;

import static dev.specula.service.testing.TestTokens.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.sampling.LogitsShaper;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.core.verify.Verdict;
import dev.specula.proto.mapping.ProtoMapping;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.RoundVerdict;
import dev.specula.proto.v1.SessionOpened;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.VerifyRound;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.speculation.InProcessDecoding;
import dev.specula.runtime.speculation.VerifierSession;
import io.grpc.Status;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Verification sessions over a real gRPC port: verdicts against {@link VerifierSession} run in process on the
 * same model, refusals with INVALID_ARGUMENT / RESOURCE_EXHAUSTED, and the session slot coming back however the
 * stream ends. After every test no session may be left open.
 */
class VerifierSessionGrpcTest extends RunningVerifierTest {
    private static final int MAX_SESSIONS = 2;
    private static final int CAP = 64;
    private static final SamplingParams SAMPLED = new SamplingParams(0.9, 0, 1.0, 7L);

    @Override
    Map<String, String> verifierProperties() {
        return Map.of("specula.verifier.max-sessions", Integer.toString(MAX_SESSIONS),
                "specula.verifier.max-new-tokens-cap", Integer.toString(CAP));
    }

    @Test
    void draftsOfTheTargetItselfAreAllAcceptedWithABonusAndMatchTheInProcessVerifier() {
        int[] prompt = tokens(12, 1);
        int[] path = greedyPath(prompt, 24);
        SessionCall call = new SessionCall(verifier.channel());
        SessionOpened opened = call.open(open(prompt, SamplingParams.GREEDY, 24));
        assertThat(opened.getVocabSize()).isEqualTo(VOCAB);
        assertThat(opened.getMaxContext()).isEqualTo(CONTEXT);
        assertThat(engine.openSessions()).isEqualTo(1);

        try (VerifierSession reference = VerifierSession.open(target, prompt, SamplingParams.GREEDY)) {
            int at = 0;
            int round = 0;
            for (int k : new int[] {3, 0, 5, 1, 4}) {
                int[] drafted = Arrays.copyOfRange(path, at, at + k);
                RoundVerdict verdict = call.round(round(++round, drafted, null));
                Verdict expected = reference.verify(new int[0], greedyDraft(drafted));

                assertThat(verdict.getRound()).as("echoed round number").isEqualTo(round);
                assertThat(verdict.getAccepted()).as("round %d, k = %d", round, k).isEqualTo(k);
                assertThat(verdict.getBonus()).isTrue();
                assertThat(verdict.getNextToken()).as("bonus token = the target's next greedy token")
                        .isEqualTo(path[at + k]);
                assertSameVerdict(verdict, expected);
                at += k + 1;
            }
        }
        call.completeAndAwaitEnd();
    }

    @Test
    void garbageDraftsAreRejectedAndTheRecoveredTokenIsTheTargetArgmax() {
        int[] prompt = tokens(9, 2);
        int[] path = greedyPath(prompt, 24);
        SessionCall call = new SessionCall(verifier.channel());
        call.open(open(prompt, SamplingParams.GREEDY, 24));

        try (VerifierSession reference = VerifierSession.open(target, prompt, SamplingParams.GREEDY)) {
            int at = 0;
            int round = 0;
            // {correct prefix length, draft length}: the draft goes wrong right after the correct prefix
            for (int[] shape : new int[][] {{0, 1}, {0, 4}, {2, 5}, {3, 4}, {1, 2}}) {
                int correct = shape[0];
                int[] drafted = Arrays.copyOfRange(path, at, at + shape[1]);
                for (int i = correct; i < drafted.length; i++) {
                    drafted[i] = (path[at + i] + 1 + i) % VOCAB; // never the argmax at the first wrong slot
                }
                RoundVerdict verdict = call.round(round(++round, drafted, null));
                Verdict expected = reference.verify(new int[0], greedyDraft(drafted));

                assertThat(verdict.getAccepted()).as("round %d accepts the correct prefix only", round)
                        .isEqualTo(correct);
                assertThat(verdict.getBonus()).isFalse();
                assertThat(verdict.getNextToken()).as("recovered token = target argmax").isEqualTo(path[at + correct]);
                assertSameVerdict(verdict, expected);
                at += correct + 1;
            }
        }
        call.completeAndAwaitEnd();
    }

    /**
     * Each round drafts the target's own argmax, claimed drawn with draft probability 0.001 (so accepted), then a
     * byte claimed drawn with 0.999 (so almost surely rejected): the comparison covers acceptance, rejection and
     * recovered-token sampling, all of which must draw exactly what the in-process verifier draws.
     */
    @Test
    void sampledRoundsDrawExactlyWhatTheInProcessVerifierDraws() {
        int[] prompt = tokens(10, 3);
        SessionCall call = new SessionCall(verifier.channel());
        call.open(open(prompt, SAMPLED, 40));
        int accepted = 0;
        int rejections = 0;
        try (VerifierSession reference = VerifierSession.open(target, prompt, SAMPLED)) {
            for (int round = 1; round <= 6; round++) {
                int likely = argmaxAfter(reference.committed());
                int unlikely = (likely + 1 + tokens(1, 100 + round)[0]) % VOCAB;
                int[] drafted = {likely, unlikely};
                SparseDistribution[] distributions = {
                        new SparseDistribution(new int[] {(likely + 1) % VOCAB, likely}, new float[] {0.999f, 0.001f}),
                        new SparseDistribution(new int[] {unlikely, (unlikely + 1) % VOCAB},
                                new float[] {0.999f, 0.001f})};
                RoundVerdict verdict = call.round(round(round, drafted, distributions));
                Verdict expected = reference.verify(new int[0], new Draft(drafted, distributions, new float[2]));
                assertSameVerdict(verdict, expected);
                accepted += verdict.getAccepted();
                rejections += verdict.getBonus() ? 0 : 1;
            }
        }
        call.completeAndAwaitEnd();
        assertThat(accepted).as("drafted tokens accepted over 6 rounds").isPositive();
        assertThat(rejections).as("rounds with a rejection").isPositive();
    }

    static Stream<Arguments> invalidOpens() {
        return Stream.of(
                Arguments.of("empty prompt", open(new int[0], SamplingParams.GREEDY, 8), "prompt is empty"),
                Arguments.of("prompt reaching the context", open(tokens(CONTEXT, 4), SamplingParams.GREEDY, 1),
                        "reaches the model context of " + CONTEXT),
                Arguments.of("prompt + budget past the context",
                        open(tokens(CONTEXT - 8, 5), SamplingParams.GREEDY, 9), "exceeds the model context"),
                Arguments.of("max_new_tokens above the cap", open(tokens(4, 6), SamplingParams.GREEDY, CAP + 1),
                        "1.." + CAP + ", got " + (CAP + 1)),
                Arguments.of("max_new_tokens negative", open(tokens(4, 6), SamplingParams.GREEDY, -3), "got -3"),
                Arguments.of("temperature < 0", open(tokens(4, 7), proto(-0.5, 0, 1.0)), "temperature"),
                Arguments.of("top_p > 1", open(tokens(4, 7), proto(0.7, 0, 1.5)), "top_p must be in (0, 1]"),
                Arguments.of("top_p < 0", open(tokens(4, 7), proto(0.7, 0, -0.2)), "top_p must be in (0, 1]"),
                Arguments.of("top_k < 0", open(tokens(4, 7), proto(0.7, -1, 1.0)), "top_k"),
                Arguments.of("prompt token = vocab size", open(new int[] {1, VOCAB, 2}, SamplingParams.GREEDY, 8),
                        "token id " + VOCAB + " outside the vocabulary [0, " + VOCAB + ")"),
                Arguments.of("negative prompt token", open(new int[] {-1}, SamplingParams.GREEDY, 8), "token id -1"),
                Arguments.of("another tokenizer", open(tokens(4, 8), SamplingParams.GREEDY, 8).toBuilder()
                        .setTokenizerSha256("00".repeat(32)).build(), "differs from the verifier's"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidOpens")
    void anInvalidOpenIsRefusedWithInvalidArgument(String name, OpenSession open, String description) {
        SessionCall call = new SessionCall(verifier.channel());
        call.send(SessionRequest.newBuilder().setOpen(open).build());
        Status status = call.failure();
        assertThat(status.getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).as(name).contains(description);
    }

    static Stream<Arguments> invalidSessions() {
        SessionRequest greedyOpen = SessionRequest.newBuilder()
                .setOpen(open(tokens(5, 9), SamplingParams.GREEDY, 8)).build();
        SessionRequest sampledOpen = SessionRequest.newBuilder().setOpen(open(tokens(5, 9), SAMPLED, 8)).build();
        SparseDistribution half = new SparseDistribution(new int[] {3, 4}, new float[] {0.5f, 0.5f});
        return Stream.of(
                Arguments.of("a round before 'open'", List.of(roundMessage(round(1, new int[] {1}, null))),
                        "the first message of a session must be 'open'"),
                Arguments.of("a second 'open'", List.of(greedyOpen, greedyOpen), "session already open"),
                Arguments.of("neither open nor round", List.of(greedyOpen, SessionRequest.getDefaultInstance()),
                        "must be 'open' or 'round'"),
                Arguments.of("drafted token = vocab size",
                        List.of(greedyOpen, roundMessage(round(1, new int[] {1, VOCAB}, null))),
                        "token id " + VOCAB + " outside the vocabulary"),
                Arguments.of("negative drafted token",
                        List.of(greedyOpen, roundMessage(round(1, new int[] {-5}, null))),
                        "token id -5"),
                Arguments.of("unchecked context out of range", List.of(greedyOpen, roundMessage(
                        round(1, new int[] {1}, null).toBuilder().addUncheckedContext(VOCAB + 3).build())),
                        "token id " + (VOCAB + 3)),
                Arguments.of("fewer distributions than drafts", List.of(sampledOpen,
                        roundMessage(round(1, new int[] {3, 4}, new SparseDistribution[] {half}))),
                        "one draft distribution per drafted token: got 1 for 2 tokens"),
                Arguments.of("more distributions than drafts", List.of(sampledOpen,
                        roundMessage(round(1, new int[] {3}, new SparseDistribution[] {half, half}))),
                        "got 2 for 1 tokens"),
                Arguments.of("drafted token outside its distribution", List.of(sampledOpen,
                        roundMessage(round(1, new int[] {9}, new SparseDistribution[] {half}))),
                        "drafted token 9 has no mass"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSessions")
    void anInvalidMessageEndsTheSessionWithInvalidArgument(String name, List<SessionRequest> messages,
                                                           String description) {
        SessionCall call = new SessionCall(verifier.channel());
        messages.forEach(call::send);
        Status status = call.failure();
        assertThat(status.getCode()).as(name).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).as(name).contains(description);
    }

    @Test
    void theSessionLimitRefusesWithResourceExhaustedUntilASlotIsFreed() {
        SessionCall first = new SessionCall(verifier.channel());
        SessionCall second = new SessionCall(verifier.channel());
        first.open(open(tokens(4, 10), SamplingParams.GREEDY, 8));
        second.open(open(tokens(4, 11), SamplingParams.GREEDY, 8));
        assertThat(engine.openSessions()).isEqualTo(MAX_SESSIONS);

        SessionCall refused = new SessionCall(verifier.channel());
        refused.send(SessionRequest.newBuilder().setOpen(open(tokens(4, 12), SamplingParams.GREEDY, 8)).build());
        Status status = refused.failure();
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("session limit (" + MAX_SESSIONS + ")");
        assertThat(engine.openSessions()).as("a refused session takes no slot").isEqualTo(MAX_SESSIONS);

        first.completeAndAwaitEnd();
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .until(() -> engine.openSessions() == MAX_SESSIONS - 1);
        SessionCall third = new SessionCall(verifier.channel());
        third.open(open(tokens(4, 12), SamplingParams.GREEDY, 8));
        assertThat(third.round(round(1, new int[0], null)).getAccepted()).isZero();

        second.completeAndAwaitEnd();
        third.completeAndAwaitEnd();
    }

    @Test
    void aClientThatCancelsMidSessionFreesItsSession() {
        SessionCall call = new SessionCall(verifier.channel());
        int[] prompt = tokens(6, 13);
        call.open(open(prompt, SamplingParams.GREEDY, 32));
        call.round(round(1, greedyPath(prompt, 3), null));
        assertThat(engine.openSessions()).isEqualTo(1);

        call.cancel();

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);
    }

    @Test
    void aClientThatDropsTheStreamWithAnErrorFreesItsSession() {
        SessionCall call = new SessionCall(verifier.channel());
        call.open(open(tokens(6, 14), SamplingParams.GREEDY, 32));
        call.round(round(1, new int[] {5, 6}, null));
        assertThat(engine.openSessions()).isEqualTo(1);

        call.dropWithError();

        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10)).until(() -> engine.openSessions() == 0);
    }

    @Test
    void extraPlainStepsCommitWhatThatManyPlainRoundsWouldAndStopAtMaxNewTokens() {
        int[] prompt = tokens(12, 3);
        SessionCall call = new SessionCall(verifier.channel());
        call.open(open(prompt, SAMPLED, 20));
        try (VerifierSession reference = VerifierSession.open(target, prompt, SAMPLED)) {
            // A plain round with 4 extra steps, then a drafted round with 3, then far more than the 20 allow.
            RoundVerdict burst = call.round(round(1, new int[0], null).toBuilder().setExtraPlainSteps(4).build());
            int[] expected = new int[5];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = reference.verify(new int[0], Draft.EMPTY).nextToken();
            }
            assertThat(burst.getNextToken()).isEqualTo(expected[0]);
            assertThat(burst.getExtraTokenIdsList()).containsExactly(expected[1], expected[2], expected[3],
                    expected[4]);
            assertThat(engine.openSessions()).isEqualTo(1);

            RoundVerdict plain = call.round(round(2, new int[0], null));
            assertThat(plain.getNextToken()).isEqualTo(reference.verify(new int[0], Draft.EMPTY).nextToken());
            assertThat(plain.getExtraTokenIdsCount()).as("none asked, none taken").isZero();

            RoundVerdict capped = call.round(round(3, new int[0], null).toBuilder().setExtraPlainSteps(1000).build());
            // 6 tokens committed, 20 allowed: the round's own token and 13 extra fill the budget exactly.
            assertThat(capped.getExtraTokenIdsCount()).isEqualTo(13);
            int[] rest = new int[14];
            for (int i = 0; i < rest.length; i++) {
                rest[i] = reference.verify(new int[0], Draft.EMPTY).nextToken();
            }
            assertThat(capped.getNextToken()).isEqualTo(rest[0]);
            assertThat(capped.getExtraTokenIdsList()).containsExactlyElementsOf(
                    IntStream.of(rest).skip(1).boxed().toList());
        }
        call.completeAndAwaitEnd();
    }

    private int[] greedyPath(int[] prompt, int length) {
        return InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY,
                new StopCondition(length, new int[0])).tokens();
    }

    private int argmaxAfter(int[] sequence) {
        try (DecoderSession session = target.newSession()) {
            return LogitsShaper.argmax(session.forwardLast(sequence, 1), 0, VOCAB);
        }
    }

    private static void assertSameVerdict(RoundVerdict actual, Verdict expected) {
        assertThat(actual.getAccepted()).as("accepted").isEqualTo(expected.accepted());
        assertThat(actual.getNextToken()).as("next token").isEqualTo(expected.nextToken());
        assertThat(actual.getBonus()).as("bonus").isEqualTo(expected.bonus());
        assertThat(actual.getTargetProbOfDraftsCount()).isEqualTo(expected.targetProbOfDrafts().length);
        for (int i = 0; i < expected.targetProbOfDrafts().length; i++) {
            assertThat(actual.getTargetProbOfDrafts(i)).as("target prob of draft %d", i)
                    .isCloseTo(expected.targetProbOfDrafts()[i], within(1e-5f));
        }
        assertThat(actual.getTargetEntropy()).as("entropy").isCloseTo(expected.targetEntropy(), within(1e-4f));
    }

    private static Draft greedyDraft(int[] tokens) {
        return new Draft(tokens, null, new float[tokens.length]);
    }

    static OpenSession open(int[] prompt, SamplingParams params, int maxNewTokens) {
        return open(prompt, ProtoMapping.sampling(params)).toBuilder().setMaxNewTokens(maxNewTokens).build();
    }

    static OpenSession open(int[] prompt, dev.specula.proto.v1.SamplingParams params) {
        OpenSession.Builder open = OpenSession.newBuilder().setSampling(params).setMaxNewTokens(8);
        IntStream.of(prompt).forEach(open::addPromptTokenIds);
        return open.build();
    }

    static dev.specula.proto.v1.SamplingParams proto(double temperature, int topK, double topP) {
        return dev.specula.proto.v1.SamplingParams.newBuilder()
                .setTemperature(temperature).setTopK(topK).setTopP(topP).setSeed(1).build();
    }

    static VerifyRound round(int number, int[] drafted, SparseDistribution[] distributions) {
        VerifyRound.Builder round = VerifyRound.newBuilder().setRound(number);
        IntStream.of(drafted).forEach(round::addDraftTokenIds);
        if (distributions != null) {
            for (SparseDistribution d : distributions) {
                round.addDraftDistributions(ProtoMapping.distribution(d));
            }
        }
        return round.build();
    }

    private static SessionRequest roundMessage(VerifyRound round) {
        return SessionRequest.newBuilder().setRound(round).build();
    }

}

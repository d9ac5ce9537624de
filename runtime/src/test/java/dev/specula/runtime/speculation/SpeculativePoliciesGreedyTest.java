package dev.specula.runtime.speculation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.core.draft.HybridDraftSource;
import dev.specula.core.draft.NgramDraftSource;
import dev.specula.core.loop.DraftSource;
import dev.specula.core.loop.StopCondition;
import dev.specula.core.policy.AdaptiveDraftLength;
import dev.specula.core.policy.EntropySwitch;
import dev.specula.core.policy.GoodputDraftLength;
import dev.specula.core.policy.ThresholdDraftLength;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.testing.RepoPaths;
import dev.specula.runtime.testing.TestModels;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The greedy correctness gate on real models for the adaptive draft-length policies and the model-free sources:
 * output equals target-only greedy output token for token. The prompts repeat themselves (as code edits do), so
 * n-gram lookup drafts from the first round on.
 */
class SpeculativePoliciesGreedyTest {
    private static final String[] PROMPTS = {
            "int a = x + y; int b = x + y; int c = x + y; int d = x",
            "Once upon a time there was a fox. Once upon a time there was a",
            "def f(x):\n    return x * 2\n\ndef g(x):\n    return x"};
    private static final int MAX_NEW = 48;

    private record Arm(String name, Function<DecoderModel, DraftSource> source, int k, boolean adaptive) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arm> arms() {
        return Stream.of(
                new Arm("perturbed model + adaptive", m -> new PerturbedDraftSource(new ModelDraftSource(m), 3), 8, true),
                new Arm("perturbed model + threshold", m -> new PerturbedDraftSource(new ModelDraftSource(m), 4), 8, false),
                new Arm("n-gram, k = 6", m -> new NgramDraftSource(3, 16), 6, false),
                new Arm("n-gram + adaptive", m -> new NgramDraftSource(3, 16), 8, true),
                new Arm("hybrid (perturbed model) + adaptive", m -> new HybridDraftSource(new NgramDraftSource(4, 16),
                        new PerturbedDraftSource(new ModelDraftSource(m), 3), true), 8, true));
    }

    static Stream<Arguments> tinyArms() {
        return arms().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyArms")
    void testTinyMatchesTargetOnly(Arm arm) {
        assertMatchesTargetOnly(arm, TestModels.tiny(), TestModels.tiny(), PROMPTS);
    }

    /** Runs only once models/bundled/{drafter,verifier} exist. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tinyArms")
    void bundledPairMatchesTheVerifierAlone(Arm arm) {
        assertMatchesTargetOnly(arm, TestModels.bundledDrafter(), TestModels.bundledVerifier(),
                new String[] {PROMPTS[0], PROMPTS[2]});
    }

    private static void assertMatchesTargetOnly(Arm arm, DecoderModel drafter, DecoderModel target, String[] prompts) {
        long drafted = 0;
        for (String text : prompts) {
            int[] prompt = SpeculativeGreedyTest.prompt(text);
            StopCondition stop = new StopCondition(MAX_NEW, target.generationConfig().eosTokenIds());
            Generation expected = InProcessDecoding.targetOnly(target, prompt, SamplingParams.GREEDY, stop);
            Generation actual;
            try (DraftSource source = arm.source().apply(drafter)) {
                actual = InProcessDecoding.speculative(source, target, prompt, SamplingParams.GREEDY,
                        arm.adaptive() ? AdaptiveDraftLength.of(arm.k(), 4, 0.3, 0.1) : policy(arm), stop);
            }
            assertArrayEquals(expected.tokens(), actual.tokens(), arm + ", prompt \"" + text + "\"");
            drafted += actual.outcome().stats().draftTokens();
        }
        assertTrue(drafted > 0, arm + " drafted nothing: the gate would test nothing");
    }

    private static dev.specula.core.loop.DraftLengthPolicy policy(Arm arm) {
        return arm.name().contains("threshold") ? new ThresholdDraftLength(arm.k(), 0.3)
                : new dev.specula.core.loop.FixedDraftLength(arm.k());
    }

    /**
     * Entropy-adaptive with a model drafting for itself: the tokens it commits unverified are the target's own
     * greedy tokens, so the output still equals target-only, while the verifier catches up on them as unchecked
     * context — through the real KV bookkeeping of {@link VerifierSession}.
     */
    @Test
    void entropyAdaptiveWithAModelDraftingForItselfEqualsTargetOnly() {
        DecoderModel tiny = TestModels.tiny();
        for (String text : PROMPTS) {
            int[] prompt = SpeculativeGreedyTest.prompt(text);
            StopCondition stop = new StopCondition(MAX_NEW, new int[0]);
            Generation expected = InProcessDecoding.targetOnly(tiny, prompt, SamplingParams.GREEDY, stop);
            Generation actual;
            try (ModelDraftSource source = new ModelDraftSource(tiny)) {
                actual = InProcessDecoding.switching(source, tiny, prompt, SamplingParams.GREEDY,
                        new GoodputDraftLength(6, 4, 0.1), new EntropySwitch(4, 3.0), stop);
            }
            assertArrayEquals(expected.tokens(), actual.tokens(), "prompt \"" + text + "\"");
            assertEquals(MAX_NEW, actual.outcome().stats().generatedTokens());
        }
    }

    @Test
    void entropyAdaptiveTrustsTheSmallModelOnlyBelowTheThreshold() {
        DecoderModel tiny = TestModels.tiny();
        int[] prompt = SpeculativeGreedyTest.prompt(PROMPTS[1]);
        StopCondition stop = new StopCondition(MAX_NEW, new int[0]);
        try (ModelDraftSource never = new ModelDraftSource(tiny); ModelDraftSource always = new ModelDraftSource(tiny)) {
            var strict = InProcessDecoding.switching(never, tiny, prompt, SamplingParams.GREEDY,
                    new dev.specula.core.loop.FixedDraftLength(4), new EntropySwitch(4, 0.0), stop);
            var loose = InProcessDecoding.switching(always, tiny, prompt, SamplingParams.GREEDY,
                    new dev.specula.core.loop.FixedDraftLength(4), new EntropySwitch(4, 100.0), stop);
            assertEquals(0, strict.outcome().stats().unverifiedTokens(), "H = 0 verifies everything");
            assertEquals(1.0, strict.outcome().stats().largeModelTokenFraction());
            assertTrue(loose.outcome().stats().largeModelTokenFraction() < 0.25,
                    "H = 100 nats trusts nearly all: " + loose.outcome().stats().largeModelTokenFraction());
        }
    }
}

package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.testing.ModelConsistency;
import dev.specula.runtime.testing.RepoPaths;
import dev.specula.runtime.testing.TestModels;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KV-cache checks on the real bundled pair (GQA, more layers, trained weights). Skipped only until
 * models/bundled/{verifier,drafter} are exported; test-tiny runs the same checks in every build.
 */
class BundledModelsTest {
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("verifier", (Supplier<DecoderModel>) TestModels::bundledVerifier),
                Arguments.of("drafter", (Supplier<DecoderModel>) TestModels::bundledDrafter));
    }

    @BeforeEach
    void requireBundledModels() {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void geometryComesFromTheGraphAndMatchesConfig(String name, Supplier<DecoderModel> model) {
        GraphSignature g = model.get().signature();
        assertEquals(model.get().config().numHiddenLayers(), g.layers());
        assertEquals(model.get().config().numKeyValueHeads(), g.kvHeads());
        assertEquals(model.get().config().headDim(), g.headDim());
        assertEquals(260, g.vocabSize());
        assertTrue(g.hasPositionIds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void incrementalEqualsFull(String name, Supplier<DecoderModel> model) {
        ModelConsistency.incrementalEqualsFull(model.get(), 40, TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void truncateAndTransferReproduce(String name, Supplier<DecoderModel> model) {
        ModelConsistency.truncateAndTransferReproduce(model.get(), 30, TOLERANCE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void batchedEqualsUnbatched(String name, Supplier<DecoderModel> model) {
        ModelConsistency.batchedEqualsUnbatched(model.get(), new int[] {0, 9, 33}, new int[] {4, 1, 6}, TOLERANCE);
    }
}

package dev.specula.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogitsShaperTest {
    private static final float NEG_INF = Float.NEGATIVE_INFINITY;
    private static final double EPS = 1e-6;

    private static SamplingParams params(double temperature, int topK, double topP) {
        return new SamplingParams(temperature, topK, topP, 0L);
    }

    private static SparseDistribution shape(SamplingParams params, float... logits) {
        return LogitsShaper.shape(logits, 0, logits.length, params);
    }

    private static void assertDistribution(SparseDistribution d, int[] tokens, double... probs) {
        assertArrayEquals(tokens, d.tokens(), d::toString);
        for (int i = 0; i < probs.length; i++) {
            assertEquals(probs[i], d.prob(i), EPS, d::toString);
        }
    }

    @Test
    void greedyIsAPointMassAtTheArgmaxWithTiesToTheLowestId() {
        assertDistribution(shape(SamplingParams.GREEDY, 1f, 3f, 3f, 2f), new int[] {1}, 1.0);
        // Greedy ignores top-k / top-p entirely.
        assertDistribution(shape(params(0.0, 1, 0.1), -5f, -1f, -9f), new int[] {1}, 1.0);
    }

    @Test
    void argmaxReadsOnlyItsRowAndReachesTheLastId() {
        float[] rows = {9f, 0f, 0f, /* row 1: */ 0f, 1f, 2f, /* row 2: */ 5f, 5f, 4f};
        assertEquals(0, LogitsShaper.argmax(rows, 0, 3));
        assertEquals(2, LogitsShaper.argmax(rows, 3, 3));
        assertEquals(0, LogitsShaper.argmax(rows, 6, 3));
        float[] big = new float[260];
        big[259] = 0.5f;
        assertEquals(259, LogitsShaper.argmax(big, 0, 260));
        assertEquals(1, LogitsShaper.argmax(new float[] {Float.NaN, 0f, NEG_INF}, 0, 3));
    }

    @Test
    void softmaxWithTemperatureOne() {
        assertDistribution(shape(params(1.0, 0, 1.0), 0f, 2f, 1f), new int[] {1, 2, 0},
                0.66524096, 0.24472847, 0.09003057);
    }

    @Test
    void temperatureDividesTheLogits() {
        assertDistribution(shape(params(2.0, 0, 1.0), 2f, 1f, 0f), new int[] {0, 1, 2},
                0.50648039, 0.30719589, 0.18632372);
    }

    @Test
    void topKKeepsTheKMostLikelyAndRenormalises() {
        assertDistribution(shape(params(1.0, 2, 1.0), 0f, 2f, 1f), new int[] {1, 2}, 0.73105858, 0.26894142);
    }

    @ParameterizedTest(name = "topP={0} keeps {1} tokens")
    @CsvSource({"0.6, 1", "0.665, 1", "0.7, 2", "0.909, 2", "0.91, 3", "1.0, 3"})
    void topPKeepsTheShortestPrefixReachingTheMass(double topP, int kept) {
        // probabilities 0.665, 0.245, 0.090: cumulative 0.665, 0.910, 1.0
        assertEquals(kept, shape(params(1.0, 0, topP), 2f, 1f, 0f).size());
    }

    @Test
    void topPMeasuresMassWithinTheTopKSet() {
        // Full softmax of [2, 1, 0, -1] is [0.644, 0.237, ...]: top-p 0.7 alone would keep 2 tokens. After top-k 2
        // the renormalised head is 0.731 >= 0.7, so one token remains.
        assertDistribution(shape(params(1.0, 2, 0.7), 2f, 1f, 0f, -1f), new int[] {0}, 1.0);
        assertEquals(2, shape(params(1.0, 0, 0.7), 2f, 1f, 0f, -1f).size());
    }

    @Test
    void topPAlwaysKeepsOneToken() {
        assertDistribution(shape(params(1.0, 0, 1e-9), 1f, 1f, 1f), new int[] {0}, 1.0);
    }

    @Test
    void tiesAreBrokenByAscendingId() {
        assertDistribution(shape(params(1.0, 2, 1.0), 0f, 1f, 1f, 1f), new int[] {1, 2}, 0.5, 0.5);
        // Exact boundary: 4 equal tokens, top-p 0.5 needs exactly the first two.
        assertDistribution(shape(params(1.0, 0, 0.5), 3f, 3f, 3f, 3f), new int[] {0, 1}, 0.5, 0.5);
        assertDistribution(shape(params(0.5, 0, 1.0), 7f, 7f, 7f), new int[] {0, 1, 2}, 1 / 3.0, 1 / 3.0, 1 / 3.0);
    }

    @Test
    void hugeLogitsDoNotOverflow() {
        assertDistribution(shape(params(1.0, 0, 1.0), 3e38f, 3e38f), new int[] {0, 1}, 0.5, 0.5);
        assertDistribution(shape(params(0.01, 0, 1.0), -3e38f, 1e30f, 0f), new int[] {1}, 1.0);
    }

    @Test
    void tinyDifferencesAndTinyTemperaturesStayExact() {
        assertDistribution(shape(params(1.0, 0, 1.0), 1e-30f, 0f), new int[] {0, 1}, 0.5, 0.5);
        // (1 - 0.999) / 0.001 = 1 nat apart: [e / (e + 1), 1 / (e + 1)], up to float rounding of 0.999.
        SparseDistribution d = shape(params(0.001, 0, 1.0), 1.0f, 0.999f);
        assertEquals(0.7310586, d.prob(0), 1e-4);
    }

    @Test
    void underflowingAndMaskedTokensLeaveTheSupport() {
        assertDistribution(shape(params(1.0, 0, 1.0), 0f, -800f, 0f), new int[] {0, 2}, 0.5, 0.5);
        assertDistribution(shape(params(1.0, 0, 1.0), NEG_INF, 1f, NEG_INF), new int[] {1}, 1.0);
    }

    @Test
    void readsOnlyTheRequestedRow() {
        float[] rows = {100f, 100f, /* row: */ 0f, 2f, 1f, /* after: */ 100f};
        assertDistribution(LogitsShaper.shape(rows, 2, 3, params(1.0, 0, 1.0)), new int[] {1, 2, 0},
                0.66524096, 0.24472847, 0.09003057);
    }

    @Test
    void rejectsRowsNoModelShouldProduce() {
        SamplingParams sampled = params(1.0, 0, 1.0);
        assertThrows(IllegalArgumentException.class, () -> shape(sampled, 0f, Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> shape(sampled, 0f, Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> shape(sampled, NEG_INF, NEG_INF));
        assertThrows(IndexOutOfBoundsException.class, () -> LogitsShaper.shape(new float[4], 2, 3, sampled));
        assertThrows(IllegalArgumentException.class, () -> LogitsShaper.shape(new float[4], 0, 0, sampled));
    }

    @Test
    void entropyMatchesHandComputedValues() {
        float[] uniform4 = {0.3f, 0.3f, 0.3f, 0.3f};
        assertEquals(Math.log(4), LogitsShaper.entropy(uniform4, 0, 4, 1.0), 1e-12);
        assertEquals(Math.log(4), LogitsShaper.entropy(uniform4, 0, 4, 7.0), 1e-12);
        float[] row = {2f, 1f, 0f};
        assertEquals(0.8323955818399389, LogitsShaper.entropy(row, 0, 3, 1.0), 1e-12);
        assertEquals(0.8323955818399389, LogitsShaper.entropy(row, 0, 3, 0.0), 1e-12); // T = 0 read as 1
        assertEquals(1.0201913367268314, LogitsShaper.entropy(row, 0, 3, 2.0), 1e-12);
        assertEquals(Math.log(3), LogitsShaper.entropy(new float[] {0f, NEG_INF, 0f, 0f}, 0, 4, 1.0), 1e-12);
        assertEquals(0.0, LogitsShaper.entropy(new float[] {1000f, 0f}, 0, 2, 1.0), 1e-12);
    }

    @Test
    void logSoftmaxNormalises() {
        double[] out = new double[4];
        LogitsShaper.logSoftmax(new float[] {9f, 0f, 0f, NEG_INF, 9f}, 1, 3, out);
        assertEquals(-Math.log(2), out[0], 1e-12);
        assertEquals(-Math.log(2), out[1], 1e-12);
        assertEquals(Double.NEGATIVE_INFINITY, out[2]);
        LogitsShaper.logSoftmax(new float[] {2f, 1f, 0f}, 0, 3, out);
        assertEquals(Math.log(0.66524096), out[0], 1e-7);
        assertEquals(1.0, Math.exp(out[0]) + Math.exp(out[1]) + Math.exp(out[2]), 1e-12);
    }

    /** Against a slow full-sort reference on random rows, including ties and vocabularies up to 150k. */
    @Test
    void matchesAFullSortReference() {
        Random random = new Random(11);
        int[] vocabs = {1, 2, 7, 260, 5000, 20_000, 151_936};
        for (int vocab : vocabs) {
            int cases = vocab > 100_000 ? 2 : vocab > 10_000 ? 6 : 200;
            for (int c = 0; c < cases; c++) {
                float[] logits = new float[vocab];
                int kind = random.nextInt(3);
                for (int i = 0; i < vocab; i++) {
                    // coarse integer logits create many exact ties; spikes make the top-p head short, like an LM
                    logits[i] = kind == 0 ? random.nextInt(8) : (float) (random.nextGaussian() * 3);
                }
                for (int spike = 0; kind == 2 && spike < 10; spike++) {
                    logits[random.nextInt(vocab)] = 30f - spike;
                }
                int topK = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(Math.min(vocab + 2, 64));
                double topP = random.nextInt(3) == 0 ? 1.0 : 0.05 + 0.95 * random.nextDouble();
                SamplingParams params = params(0.2 + 2 * random.nextDouble(), topK, topP);
                SparseDistribution fast = LogitsShaper.shape(logits, 0, vocab, params);
                SparseDistribution slow = referenceShape(logits, params);
                assertArrayEquals(slow.tokens(), fast.tokens(), () -> "vocab " + vocab + " " + params);
                assertArrayEquals(slow.probs(), fast.probs(), 1e-6f);
                double sum = 0;
                for (int i = 0; i < fast.size(); i++) {
                    sum += fast.prob(i);
                    assertTrue(fast.prob(i) > 0f);
                    assertTrue(i == 0 || fast.prob(i) <= fast.prob(i - 1));
                }
                assertEquals(1.0, sum, 1e-5);
            }
        }
    }

    /** Obvious implementation: softmax everything, sort everything, cut, renormalise. */
    private static SparseDistribution referenceShape(float[] logits, SamplingParams params) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double[] w = new double[logits.length];
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            w[i] = Math.exp((logits[i] - max) / params.temperature());
            if (w[i] > 0) {
                ids.add(i);
            }
        }
        ids.sort(Comparator.comparingDouble((Integer i) -> -w[i]).thenComparingInt(i -> i));
        if (params.topK() > 0 && params.topK() < ids.size()) {
            ids = new ArrayList<>(ids.subList(0, params.topK()));
        }
        double mass = 0;
        for (int i : ids) {
            mass += w[i];
        }
        int keep = ids.size();
        double cumulative = 0;
        for (int j = 0; j < ids.size() && params.topP() < 1.0; j++) {
            cumulative += w[ids.get(j)];
            if (cumulative >= params.topP() * mass) {
                keep = j + 1;
                break;
            }
        }
        double kept = 0;
        for (int j = 0; j < keep; j++) {
            kept += w[ids.get(j)];
        }
        List<Integer> tokens = new ArrayList<>();
        List<Float> probs = new ArrayList<>();
        for (int j = 0; j < keep; j++) {
            float p = (float) (w[ids.get(j)] / kept);
            if (p > 0f) { // too small for a float: no mass
                tokens.add(ids.get(j));
                probs.add(p);
            }
        }
        float[] probArray = new float[probs.size()];
        for (int j = 0; j < probArray.length; j++) {
            probArray[j] = probs.get(j);
        }
        return new SparseDistribution(tokens.stream().mapToInt(Integer::intValue).toArray(), probArray);
    }
}

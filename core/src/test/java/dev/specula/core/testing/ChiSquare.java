package dev.specula.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Pearson's chi-square goodness-of-fit test, for the statistical correctness gates.
 *
 * <p>Cells whose expected count is below 5 are pooled into one cell (the usual validity rule); cells with
 * probability 0 are not tested statistically but must be empty (one draw there is already a bug). The critical
 * value comes from the chi-square distribution itself (regularised incomplete gamma), not from a table.
 */
public final class ChiSquare {
    /** Significance of every gate. Tests use fixed seeds, so a pass or failure is deterministic. */
    public static final double ALPHA = 0.001;
    private static final double MIN_EXPECTED = 5.0;

    private ChiSquare() {
    }

    /** Asserts that {@code observed} counts are plausible draws from {@code probs} (which need not be normalised). */
    public static void assertFits(long[] observed, double[] probs, String what) {
        Result result = test(observed, probs);
        assertTrue(result.statistic() < result.critical(), () -> what + ": chi-square " + result.statistic()
                + " >= critical " + result.critical() + " (df " + result.degreesOfFreedom() + ", alpha " + ALPHA + ")");
    }

    /** Asserts that the counts do NOT fit (the negative controls that show a gate has power). */
    public static void assertDoesNotFit(long[] observed, double[] probs, String what) {
        Result result = test(observed, probs);
        assertTrue(result.statistic() >= result.critical(), () -> what + ": chi-square " + result.statistic()
                + " < critical " + result.critical() + ", the test cannot tell this apart");
    }

    public record Result(double statistic, double critical, int degreesOfFreedom) {
    }

    public static Result test(long[] observed, double[] probs) {
        assertEquals(probs.length, observed.length, "one probability per cell");
        long n = 0;
        double mass = 0.0;
        for (int i = 0; i < observed.length; i++) {
            n += observed[i];
            mass += probs[i];
        }
        double statistic = 0.0;
        int cells = 0;
        long pooledObserved = 0;
        double pooledExpected = 0.0;
        for (int i = 0; i < observed.length; i++) {
            double expected = n * probs[i] / mass;
            if (probs[i] == 0.0) {
                if (observed[i] != 0) {
                    fail("cell " + i + " has probability 0 but " + observed[i] + " draws");
                }
            } else if (expected < MIN_EXPECTED) {
                pooledObserved += observed[i];
                pooledExpected += expected;
            } else {
                statistic += square(observed[i] - expected) / expected;
                cells++;
            }
        }
        if (pooledExpected > 0.0) {
            statistic += square(pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        assertTrue(cells >= 2, "need at least two cells to test, got " + cells);
        int df = cells - 1;
        return new Result(statistic, criticalValue(df, ALPHA), df);
    }

    /** The x with P(X >= x) = alpha for X ~ chi-square(df), by bisection on the upper tail. */
    public static double criticalValue(int df, double alpha) {
        double lo = 0.0;
        double hi = df + 100.0 * Math.sqrt(2.0 * df) + 100.0;
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (lo + hi);
            if (upperTail(df, mid) > alpha) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /** P(X >= x) for X ~ chi-square(df) = Q(df / 2, x / 2). */
    public static double upperTail(int df, double x) {
        return regularizedGammaQ(df / 2.0, x / 2.0);
    }

    /** Q(a, x) = Γ(a, x) / Γ(a): series below a + 1, Lentz continued fraction above (Numerical Recipes 6.2). */
    static double regularizedGammaQ(double a, double x) {
        if (x <= 0.0) {
            return 1.0;
        }
        double logPrefix = -x + a * Math.log(x) - logGamma(a);
        if (x < a + 1.0) {
            double term = 1.0 / a;
            double sum = term;
            for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
                term *= x / (a + n);
                sum += term;
            }
            return 1.0 - sum * Math.exp(logPrefix);
        }
        double tiny = 1e-300;
        double b = x + 1.0 - a;
        double c = 1.0 / tiny;
        double d = 1.0 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - a);
            b += 2.0;
            d = an * d + b;
            d = Math.abs(d) < tiny ? tiny : d;
            c = b + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return Math.exp(logPrefix) * h;
    }

    /** Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for a > 0. */
    static double logGamma(double a) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        if (a < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * a))) - logGamma(1.0 - a);
        }
        a -= 1.0;
        double x = c[0];
        for (int i = 1; i < 9; i++) {
            x += c[i] / (a + i);
        }
        double t = a + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (a + 0.5) * Math.log(t) - t + Math.log(x);
    }

    private static double square(double x) {
        return x * x;
    }
}

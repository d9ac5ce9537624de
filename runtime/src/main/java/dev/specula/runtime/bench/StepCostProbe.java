package dev.specula.runtime.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import dev.specula.runtime.decoder.ExecutionSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measures per-step forward costs of a verifier and a drafter on sessions with a realistic past.
 *
 * <p>Each measured call is one {@link DecoderSession#forward} of n tokens after {@code pastTokens} cached ones,
 * followed (untimed) by a truncate back to the past, so every repetition sees the same KV length. Results are
 * medians over repetitions after warm-up rounds, robust to GC pauses and scheduler noise on shared machines.
 *
 * <p>{@code main}: {@code StepCostProbe <verifier-folder> <drafter-folder> [--past 256] [--reps 60]
 * [--warmup 30] [--max-new 8] [--threads N]} prints a table then one JSON line.
 */
public final class StepCostProbe {
    private final int pastTokens;
    private final int maxNew;
    private final int warmup;
    private final int repetitions;

    public StepCostProbe(int pastTokens, int maxNew, int warmup, int repetitions) {
        if (pastTokens < 1 || maxNew < 5 || warmup < 0 || repetitions < 1) {
            throw new IllegalArgumentException("need past >= 1, max new >= 5, warm-up >= 0, repetitions >= 1");
        }
        this.pastTokens = pastTokens;
        this.maxNew = maxNew;
        this.warmup = warmup;
        this.repetitions = repetitions;
    }

    /** The defaults of the benchmark: past 256, n = 1..8, 30 warm-up and 60 measured rounds. */
    public static StepCostProbe defaults() {
        return new StepCostProbe(256, 8, 30, 60);
    }

    public StepCosts measure(DecoderModel verifier, DecoderModel drafter) {
        double[] verifierMillis;
        try (DecoderSession session = prefilled(verifier)) {
            verifierMillis = medianMillis(session, maxNew);
        }
        double drafterMillis;
        try (DecoderSession session = prefilled(drafter)) {
            drafterMillis = medianMillis(session, 1)[0];
        }
        return new StepCosts(pastTokens, verifierMillis, drafterMillis, verifierMillis[4] / verifierMillis[0],
                drafterMillis / verifierMillis[0]);
    }

    private DecoderSession prefilled(DecoderModel model) {
        if (pastTokens + maxNew > model.maxPositions()) {
            throw new IllegalArgumentException("past " + pastTokens + " + " + maxNew + " exceeds the context of "
                    + model.folder());
        }
        DecoderSession session = model.newSession();
        session.forwardLast(text(pastTokens, 0), 1);
        return session;
    }

    /**
     * Median forward time for n = 1..widths new tokens. Widths are interleaved within each repetition, so JIT
     * warm-up, frequency scaling and background load affect all widths alike instead of whichever ran first.
     */
    private double[] medianMillis(DecoderSession session, int widths) {
        int[][] tokens = new int[widths][];
        for (int n = 1; n <= widths; n++) {
            tokens[n - 1] = text(n, pastTokens);
        }
        long[][] nanos = new long[widths][repetitions];
        for (int round = -warmup; round < repetitions; round++) {
            for (int n = 1; n <= widths; n++) {
                long start = System.nanoTime();
                session.forward(tokens[n - 1]);
                long elapsed = System.nanoTime() - start;
                session.truncate(pastTokens);
                if (round >= 0) {
                    nanos[n - 1][round] = elapsed;
                }
            }
        }
        double[] medians = new double[widths];
        for (int n = 0; n < widths; n++) {
            long[] sorted = nanos[n];
            Arrays.sort(sorted);
            int half = repetitions / 2;
            long median = repetitions % 2 == 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2;
            medians[n] = median / 1e6;
        }
        return medians;
    }

    /** Printable ASCII bytes, a valid input for any byte-level vocabulary (ids 32..126). */
    private static int[] text(int count, int offset) {
        int[] tokens = new int[count];
        for (int i = 0; i < count; i++) {
            tokens[i] = 32 + (int) (((offset + i) * 2654435761L >>> 7) % 95);
        }
        return tokens;
    }

    public static String table(StepCosts costs) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "past tokens: %d%n", costs.pastTokens()));
        out.append(String.format(Locale.ROOT, "%-10s %12s %14s%n", "new tokens", "verifier ms", "vs 1 token"));
        double[] millis = costs.verifierMillis();
        for (int n = 1; n <= millis.length; n++) {
            out.append(String.format(Locale.ROOT, "%-10d %12.3f %14.2f%n", n, millis[n - 1], millis[n - 1] / millis[0]));
        }
        out.append(String.format(Locale.ROOT, "drafter ms/token: %.3f%n", costs.drafterMillis()));
        out.append(String.format(Locale.ROOT, "verify5_over_step1: %.3f%n", costs.verify5OverStep1()));
        out.append(String.format(Locale.ROOT, "drafter_over_verifier: %.3f%n", costs.drafterOverVerifier()));
        return out.toString();
    }

    public static String json(StepCosts costs) {
        JsonObject json = new JsonObject();
        json.addProperty("past_tokens", costs.pastTokens());
        JsonObject verifier = new JsonObject();
        double[] millis = costs.verifierMillis();
        for (int n = 1; n <= millis.length; n++) {
            verifier.addProperty(String.valueOf(n), millis[n - 1]);
        }
        json.add("verifier_ms", verifier);
        json.addProperty("drafter_ms_per_token", costs.drafterMillis());
        json.addProperty("verify5_over_step1", costs.verify5OverStep1());
        json.addProperty("drafter_over_verifier", costs.drafterOverVerifier());
        return new GsonBuilder().create().toJson(json);
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: StepCostProbe <verifier-folder> <drafter-folder> [--past N] [--reps N] "
                    + "[--warmup N] [--max-new N] [--threads N]");
            System.exit(2);
        }
        int past = 256;
        int reps = 60;
        int warm = 30;
        int maxNew = 8;
        ExecutionSettings settings = ExecutionSettings.defaults();
        for (int i = 2; i + 1 < args.length; i += 2) {
            int value = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--past" -> past = value;
                case "--reps" -> reps = value;
                case "--warmup" -> warm = value;
                case "--max-new" -> maxNew = value;
                case "--threads" -> settings = settings.withIntraOpThreads(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (DecoderModel verifier = DecoderModel.load(Path.of(args[0]), settings);
             DecoderModel drafter = DecoderModel.load(Path.of(args[1]), settings)) {
            StepCosts costs = new StepCostProbe(past, maxNew, warm, reps).measure(verifier, drafter);
            System.out.print(table(costs));
            System.out.println(json(costs));
        }
    }
}

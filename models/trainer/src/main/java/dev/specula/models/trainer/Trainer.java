package dev.specula.models.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Time- or token-budgeted training loop. The learning-rate schedule (linear warm-up, cosine decay to 10%)
 * runs on the fraction of the budget used, so a run always ends annealed on time even when the shared CPU
 * is slower than expected.
 */
public final class Trainer {
    public static final class Settings {
        int batch = 16;
        int seq = 256;
        /** Every longEvery-th step uses longSeq tokens per row (same tokens per step) to teach longer distances. */
        int longSeq = 0;
        int longEvery = 0;
        float lr = 1e-3f;
        float minLrFrac = 0.1f;
        int warmupSteps = 200;
        float weightDecay = 0.1f;
        float clip = 1.0f;
        double minutes = 10;
        long maxTokens = Long.MAX_VALUE;
        long seed = 1;
        int logEvery = 25;
        int evalEvery = 250;
        double checkpointMinutes = 5;
    }

    private final GptModel model;
    private final Objective objective;
    private final Corpus corpus;
    private final Settings s;
    private final Path checkpoint;
    private final NDManager manager;

    public Trainer(NDManager manager, GptModel model, Objective objective, Corpus corpus, Settings s, Path checkpoint) {
        this.manager = manager;
        this.model = model;
        this.objective = objective;
        this.corpus = corpus;
        this.s = s;
        this.checkpoint = checkpoint;
    }

    float learningRate(int step, double progress) {
        // Warm-up ends after warmupSteps or 3% of the budget, whichever comes first: on a slow shared CPU a
        // fixed step count could eat a large part of a short run.
        double warm = Math.max((step + 1.0) / s.warmupSteps, progress / 0.03);
        if (warm < 1) {
            return (float) (s.lr * warm);
        }
        double cos = 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
        return (float) (s.lr * (s.minLrFrac + (1 - s.minLrFrac) * cos));
    }

    /** Runs until the time or token budget is spent; returns summary figures for the model card. */
    public JsonObject run() throws IOException {
        Random rnd = new Random(s.seed);
        model.setTrainable(true);
        long start = System.nanoTime();
        long lastCheckpoint = start;
        long tokens = 0;
        int step = 0;
        double emaLoss = Double.NaN;
        double progress = 0;
        long windowTokens = 0;
        long windowStart = start;
        long optNanos = 0;
        int skipped = 0;
        try (AdamW opt = new AdamW(manager, model.params, 0.9f, 0.95f, s.weightDecay, s.clip)) {
            while (progress < 1.0) {
                boolean longStep = s.longSeq > 0 && s.longEvery > 0 && step % s.longEvery == s.longEvery - 1;
                int seq = longStep ? s.longSeq : s.seq;
                int batch = longStep ? Math.max(1, s.batch * s.seq / s.longSeq) : s.batch;
                float lr = learningRate(step, progress);
                float loss;
                float gradNorm;
                try (NDManager sub = manager.newSubManager()) {
                    long[][] data = Batches.sample(corpus.train, batch, seq, rnd);
                    NDArray ids = Batches.tensor(sub, data[0], batch, seq);
                    NDArray labels = Batches.tensor(sub, data[1], batch, seq);
                    NDArray pos = GptModel.positions(sub, batch, seq);
                    objective.prepare(ids, pos);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray l = objective.loss(model.forward(ids, pos), ids, labels);
                        gc.backward(l);
                        loss = l.getFloat();
                    }
                    long tOpt = System.nanoTime();
                    gradNorm = opt.step(lr);
                    optNanos += System.nanoTime() - tOpt;
                }
                step++;
                tokens += (long) batch * seq;
                windowTokens += (long) batch * seq;
                long now = System.nanoTime();
                double minutes = (now - start) / 6e10;
                progress = Math.max(minutes / s.minutes, (double) tokens / s.maxTokens);
                if (!Float.isFinite(loss) || !Float.isFinite(gradNorm)) {
                    skipped++;
                    System.out.printf(Locale.ROOT, "%s step %d skipped (loss %s, grad norm %s)%n", model.cfg.name, step, loss, gradNorm);
                    if (skipped > 20) throw new IllegalStateException("loss diverged at step " + step);
                } else {
                    emaLoss = Double.isNaN(emaLoss) ? loss : 0.98 * emaLoss + 0.02 * loss;
                }
                if (step % s.logEvery == 0) {
                    double tps = windowTokens / ((now - windowStart) / 1e9);
                    String extra = objective instanceof Distillation
                            ? String.format(Locale.ROOT, " kl %.4f ce %.4f", ((Distillation) objective).lastKl, ((Distillation) objective).lastCe) : "";
                    System.out.printf(Locale.ROOT, "%s step %d tokens %d loss %.4f ema %.4f%s lr %.2e gnorm %.2f %.0f tok/s (optimizer %.0f%%) %.1f min%n",
                            model.cfg.name, step, tokens, loss, emaLoss, extra, lr, gradNorm, tps, 100.0 * optNanos / (now - windowStart), minutes);
                    optNanos = 0;
                    windowTokens = 0;
                    windowStart = now;
                }
                if (step % s.evalEvery == 0) {
                    System.out.printf(Locale.ROOT, "%s step %d held-out loss %.4f%n", model.cfg.name, step,
                            Evaluator.heldOutLoss(manager, model, corpus, s.seq, 16, 8));
                }
                if ((now - lastCheckpoint) / 6e10 >= s.checkpointMinutes) {
                    model.save(checkpoint);
                    lastCheckpoint = now;
                }
            }
        }
        model.setTrainable(false);
        model.save(checkpoint);
        double minutes = (System.nanoTime() - start) / 6e10;
        JsonObject out = new JsonObject();
        out.addProperty("steps", step);
        out.addProperty("skipped_steps", skipped);
        out.addProperty("tokens_trained", tokens);
        out.addProperty("training_minutes", minutes);
        out.addProperty("final_train_loss_ema", emaLoss);
        out.addProperty("seq_len", s.seq);
        out.addProperty("long_seq", s.longSeq);
        out.addProperty("long_every", s.longEvery);
        out.addProperty("batch", s.batch);
        out.addProperty("peak_lr", s.lr);
        return out;
    }
}

package dev.specula.models.trainer;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Command-line entry point; models/build-models.sh chains the sub-commands:
 * <pre>
 *   tokenizer  --out DIR                      write + verify the byte tokenizer files
 *   tiny       --out DIR                      random-weight test model (export + parity)
 *   probe      --preset NAME                  random-weight export of a preset and its step costs
 *   train      --preset NAME --corpus ZIP --work DIR --minutes M [--max-tokens N] [--lr X] ...
 *   distill    --preset NAME --teacher-preset NAME --corpus ZIP --work DIR --minutes M [--alpha A]
 *   export     --preset NAME --corpus ZIP --work DIR --out DIR   export checkpoint + parity + step cost
 *   evaluate   --corpus ZIP --work DIR --verifier DIR --drafter DIR   acceptance, held-out and long-context loss
 *   cards      --work DIR --verifier DIR --drafter DIR               model cards from the gathered figures
 * </pre>
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: Main <tokenizer|tiny|probe|train|distill|export|evaluate|cards> [--key value]...");
            System.exit(2);
        }
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i + 1 < argv.length; i += 2) a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        switch (argv[0]) {
            case "tokenizer":
                ByteTokenizerFiles.writeAll(Path.of(a.get("out")));
                ByteTokenizerFiles.verify(Path.of(a.get("out")));
                break;
            case "tiny":
                tiny(Path.of(a.get("out")));
                break;
            case "probe":
                probe(ModelConfig.preset(a.get("preset")), Path.of(a.getOrDefault("work", "work")));
                break;
            case "train":
            case "distill":
                train(argv[0].equals("distill"), a);
                break;
            case "export":
                export(a);
                break;
            case "stepcost": {
                ModelConfig cfg = ModelConfig.preset(a.get("preset"));
                int threads = Integer.parseInt(a.getOrDefault("threads", "2"));
                double[] c = StepCostProbe.measure(Path.of(a.get("model")).resolve("model.onnx"), cfg, 200, 5, 300, threads);
                System.out.printf(Locale.ROOT, "%s threads %d: 1 token %.3f ms, 5 tokens %.3f ms, ratio %.2f%n", cfg.name, threads, c[0], c[1], c[1] / c[0]);
                break;
            }
            case "evaluate":
                Evaluate.run(a);
                break;
            case "cards":
                ModelCard.writeAll(a);
                break;
            default:
                throw new IllegalArgumentException("unknown command " + argv[0]);
        }
    }

    static void tiny(Path out) throws Exception {
        ModelConfig cfg = ModelConfig.tiny();
        try (NDManager manager = NDManager.newBaseManager(); GptModel model = GptModel.random(cfg, manager, 42)) {
            ByteTokenizerFiles.writeAll(out);
            JsonObject specula = new JsonObject();
            specula.addProperty("trained_seq_len", 0);
            specula.addProperty("tokens_trained", 0);
            specula.addProperty("corpus", "none (random weights, seed 42)");
            cfg.writeConfigJson(out, specula);
            OnnxExporter.export(cfg, model.hostWeights(), out.resolve("model.onnx"));
            long[] tokens = new long[40];
            Random rnd = new Random(5);
            for (int i = 0; i < tokens.length; i++) tokens[i] = rnd.nextInt(ModelConfig.VOCAB);
            double diff = ParityCheck.run(manager, model, out.resolve("model.onnx"), tokens);
            ByteTokenizerFiles.verify(out);
            Files.writeString(out.resolve("README.md"), "# test-tiny\n\nRandom weights (seed 42), for fast unit tests only: "
                    + cfg + ", same byte tokenizer and ONNX layout as the bundled models. "
                    + String.format(Locale.ROOT, "ONNX vs DJL max abs logit diff %.1e.", diff) + "\n", StandardCharsets.UTF_8);
            System.out.println("wrote " + out);
        }
    }

    static void probe(ModelConfig cfg, Path work) throws Exception {
        Path onnx = work.resolve("probe-" + cfg.name + ".onnx");
        try (NDManager manager = NDManager.newBaseManager(); GptModel model = GptModel.random(cfg, manager, 7)) {
            OnnxExporter.export(cfg, model.hostWeights(), onnx);
        }
        double[] c = StepCostProbe.measure(onnx, cfg, 200, 5, 200);
        System.out.printf(Locale.ROOT, "probe %s: 1 token %.3f ms, 5 tokens %.3f ms, ratio %.2f%n", cfg, c[0], c[1], c[1] / c[0]);
    }

    static Trainer.Settings settings(Map<String, String> a, boolean distill) {
        Trainer.Settings s = new Trainer.Settings();
        s.minutes = Double.parseDouble(a.getOrDefault("minutes", "10"));
        s.maxTokens = Long.parseLong(a.getOrDefault("max-tokens", String.valueOf(Long.MAX_VALUE)));
        s.batch = Integer.parseInt(a.getOrDefault("batch", "16"));
        s.seq = Integer.parseInt(a.getOrDefault("seq", "256"));
        s.longSeq = Integer.parseInt(a.getOrDefault("long-seq", "0"));
        s.longEvery = Integer.parseInt(a.getOrDefault("long-every", "0"));
        s.lr = Float.parseFloat(a.getOrDefault("lr", distill ? "2e-3" : "1e-3"));
        s.warmupSteps = Integer.parseInt(a.getOrDefault("warmup", "150"));
        s.seed = Long.parseLong(a.getOrDefault("seed", "1"));
        s.evalEvery = Integer.parseInt(a.getOrDefault("eval-every", "250"));
        s.logEvery = Integer.parseInt(a.getOrDefault("log-every", "25"));
        return s;
    }

    static void train(boolean distill, Map<String, String> a) throws Exception {
        ModelConfig cfg = ModelConfig.preset(a.get("preset"));
        Path work = Path.of(a.get("work"));
        Corpus corpus = Corpus.load(Path.of(a.get("corpus")));
        System.out.println(corpus);
        Trainer.Settings s = settings(a, distill);
        Metrics metrics = Metrics.open(work.resolve("metrics.json"));
        try (NDManager manager = NDManager.newBaseManager();
             GptModel model = a.containsKey("resume") ? GptModel.load(cfg, manager, Path.of(a.get("resume")))
                     : GptModel.random(cfg, manager, s.seed)) {
            System.out.println("training " + cfg + (distill ? " by distillation" : ""));
            Objective objective;
            Distillation teacher = null;
            if (distill) {
                ModelConfig tcfg = ModelConfig.preset(a.getOrDefault("teacher-preset", "verifier"));
                teacher = new Distillation(manager, tcfg, work.resolve(tcfg.name + ".ckpt"),
                        Float.parseFloat(a.getOrDefault("alpha", "0.9")),
                        Double.parseDouble(a.getOrDefault("teacher-reload-minutes", "0")));
                objective = teacher;
            } else {
                objective = (logits, ids, labels) -> Objective.crossEntropy(logits, labels);
            }
            JsonObject summary = new Trainer(manager, model, objective, corpus, s, work.resolve(cfg.name + ".ckpt")).run();
            if (a.containsKey("prior-tokens")) {
                // Resumed run: report the whole history, as given by the caller from the earlier run's log.
                summary.addProperty("resumed_from_tokens", Long.parseLong(a.get("prior-tokens")));
                summary.addProperty("resumed_from_minutes", Double.parseDouble(a.get("prior-minutes")));
                summary.addProperty("tokens_trained", summary.get("tokens_trained").getAsLong() + Long.parseLong(a.get("prior-tokens")));
                summary.addProperty("training_minutes", summary.get("training_minutes").getAsDouble() + Double.parseDouble(a.get("prior-minutes")));
            }
            double held = Evaluator.heldOutLoss(manager, model, corpus, s.seq, 64, 8);
            summary.addProperty("heldout_loss", held);
            summary.addProperty("objective", distill ? "distillation: alpha*KL(verifier||drafter) + (1-alpha)*CE, alpha="
                    + a.getOrDefault("alpha", "0.9") : "next-byte cross-entropy");
            summary.addProperty("corpus", corpus.toString());
            if (teacher != null) summary.addProperty("teacher_checkpoints_used", teacher.teacherReloads);
            System.out.printf(Locale.ROOT, "%s done: %s%n", cfg.name, summary);
            metrics.merge(cfg.name, summary);
            metrics.save();
            if (teacher != null) teacher.close();
        }
    }

    static void export(Map<String, String> a) throws Exception {
        ModelConfig cfg = ModelConfig.preset(a.get("preset"));
        Path work = Path.of(a.get("work"));
        Path out = Path.of(a.get("out"));
        Corpus corpus = Corpus.load(Path.of(a.get("corpus")));
        Metrics metrics = Metrics.open(work.resolve("metrics.json"));
        JsonObject m = metrics.section(cfg.name);
        try (NDManager manager = NDManager.newBaseManager(); GptModel model = GptModel.load(cfg, manager, work.resolve(cfg.name + ".ckpt"))) {
            ByteTokenizerFiles.writeAll(out);
            ByteTokenizerFiles.verify(out);
            JsonObject specula = new JsonObject();
            specula.addProperty("trained_seq_len", m.has("seq_len") ? m.get("seq_len").getAsInt() : 256);
            specula.addProperty("tokens_trained", m.has("tokens_trained") ? m.get("tokens_trained").getAsLong() : 0);
            if (m.has("long_every") && m.get("long_every").getAsInt() > 0) {
                specula.addProperty("long_window_seq_len", m.get("long_seq").getAsInt());
                specula.addProperty("long_window_every_steps", m.get("long_every").getAsInt());
            }
            specula.addProperty("corpus", "Temurin JDK 25 src.zip .java files, licence headers stripped; held out iff CRC32(entry name) % 50 == 0");
            specula.addProperty("role", cfg.name);
            cfg.writeConfigJson(out, specula);
            Path onnx = out.resolve("model.onnx");
            OnnxExporter.export(cfg, model.hostWeights(), onnx);
            // Parity on real held-out text (random bytes would exercise unusual attention patterns only).
            short[] h = corpus.heldOut;
            long[] tokens = new long[96];
            for (int i = 0; i < tokens.length; i++) tokens[i] = h[1000 + i];
            double diff = ParityCheck.run(manager, model, onnx, tokens);
            metrics.put(cfg.name, "parity_max_abs_diff", diff);
            metrics.put(cfg.name, "parameters", model.parameterCount());
            metrics.put(cfg.name, "onnx_bytes", Files.size(onnx));
        }
        double[] c = StepCostProbe.measure(out.resolve("model.onnx"), cfg, 200, 5, 200);
        metrics.put(cfg.name, "step_ms_1_token_past200", c[0]);
        metrics.put(cfg.name, "step_ms_5_tokens_past200", c[1]);
        metrics.put(cfg.name, "step_ratio_5_vs_1", c[1] / c[0]);
        System.out.printf(Locale.ROOT, "%s step cost (past 200, 2 threads): 1 token %.3f ms, 5 tokens %.3f ms, ratio %.2f%n",
                cfg.name, c[0], c[1], c[1] / c[0]);
        metrics.save();
    }
}

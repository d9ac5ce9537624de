package dev.specula.models.trainer;

import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Pair-level measurements after export: greedy acceptance, drafter/verifier step-cost ratio, long-context loss. */
final class Evaluate {
    private Evaluate() {
    }

    static void run(Map<String, String> a) throws Exception {
        Path work = Path.of(a.get("work"));
        Path vdir = Path.of(a.get("verifier"));
        Path ddir = Path.of(a.get("drafter"));
        ModelConfig vcfg = ModelConfig.verifier();
        ModelConfig dcfg = ModelConfig.drafter();
        Corpus corpus = Corpus.load(Path.of(a.get("corpus")));
        Metrics metrics = Metrics.open(work.resolve("metrics.json"));
        int prompts = Integer.parseInt(a.getOrDefault("prompts", "64"));
        int promptLen = Integer.parseInt(a.getOrDefault("prompt-len", "128"));
        int genLen = Integer.parseInt(a.getOrDefault("gen-len", "64"));
        double[] acc = AcceptanceProbe.measure(vdir.resolve("model.onnx"), vcfg, ddir.resolve("model.onnx"), dcfg,
                corpus, prompts, promptLen, genLen);
        System.out.printf(Locale.ROOT, "greedy acceptance drafter vs verifier: %.4f over %d positions%n", acc[0], (long) acc[1]);
        metrics.put("pair", "greedy_acceptance", acc[0]);
        metrics.put("pair", "acceptance_positions", (long) acc[1]);
        metrics.put("pair", "argmax_agreement_heldout_text", acc[2]);
        metrics.put("pair", "argmax_agreement_positions", (long) acc[3]);
        System.out.printf(Locale.ROOT, "argmax agreement on held-out text: %.4f over %d positions%n", acc[2], (long) acc[3]);
        metrics.put("pair", "acceptance_prompts", prompts);
        metrics.put("pair", "acceptance_prompt_len", promptLen);
        metrics.put("pair", "acceptance_gen_len", genLen);
        // The same probe deep into the context: the served prompts (chat templates, files being edited) are long,
        // and a drafter that only ever saw short windows falls apart there.
        int longPromptLen = Integer.parseInt(a.getOrDefault("long-prompt-len", "1024"));
        if (longPromptLen > 0) {
            double[] longAcc = AcceptanceProbe.measure(vdir.resolve("model.onnx"), vcfg, ddir.resolve("model.onnx"), dcfg,
                    corpus, Math.max(1, prompts / 4), longPromptLen, genLen);
            System.out.printf(Locale.ROOT, "greedy acceptance after %d-byte prompts: %.4f over %d positions%n",
                    longPromptLen, longAcc[0], (long) longAcc[1]);
            metrics.put("pair", "greedy_acceptance_long", longAcc[0]);
            metrics.put("pair", "acceptance_long_positions", (long) longAcc[1]);
            metrics.put("pair", "acceptance_long_prompt_len", longPromptLen);
        }
        // Each model timed in its own session on its own (as deployed: drafter and verifier are separate processes).
        // Timing the two alternately in one process makes each session's spinning worker threads steal the
        // other's cores, which inflates both.
        double v1 = metrics.section("verifier").get("step_ms_1_token_past200").getAsDouble();
        double d1 = metrics.section("drafter").get("step_ms_1_token_past200").getAsDouble();
        metrics.put("pair", "drafter_to_verifier_step_cost", d1 / v1);
        System.out.printf(Locale.ROOT, "per-token step cost drafter/verifier: %.3f ms / %.3f ms = %.3f%n", d1, v1, d1 / v1);
        int windows = Integer.parseInt(a.getOrDefault("long-windows", "6"));
        if (windows > 0) {
            try (NDManager manager = NDManager.newBaseManager()) {
                for (ModelConfig cfg : new ModelConfig[]{vcfg, dcfg}) {
                    try (GptModel model = GptModel.load(cfg, manager, work.resolve(cfg.name + ".ckpt"))) {
                        double[] l = Evaluator.lossByPosition(manager, model, corpus, 2048, windows);
                        System.out.printf(Locale.ROOT, "%s held-out loss by position: [0,256) %.4f, [256,1024) %.4f, [1024,2048) %.4f%n",
                                cfg.name, l[0], l[1], l[2]);
                        metrics.put(cfg.name, "loss_pos_0_256", l[0]);
                        metrics.put(cfg.name, "loss_pos_256_1024", l[1]);
                        metrics.put(cfg.name, "loss_pos_1024_2048", l[2]);
                        metrics.put(cfg.name, "long_eval_windows", windows);
                    }
                }
            }
        }
        metrics.save();
    }
}

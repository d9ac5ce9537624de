package dev.specula.models.trainer;

import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** Writes README.md model cards for the bundled pair from the figures the build steps measured (work/metrics.json). */
final class ModelCard {
    private ModelCard() {
    }

    static void writeAll(Map<String, String> a) throws IOException {
        Metrics metrics = Metrics.open(Path.of(a.get("work")).resolve("metrics.json"));
        String command = a.getOrDefault("command", "./models/build-models.sh");
        write(Path.of(a.get("verifier")), ModelConfig.verifier(), metrics, command);
        write(Path.of(a.get("drafter")), ModelConfig.drafter(), metrics, command);
    }

    private static String num(JsonObject o, String key, String fmt) {
        return o.has(key) ? String.format(Locale.ROOT, fmt, o.get(key).getAsDouble()) : "not measured";
    }

    private static void write(Path dir, ModelConfig c, Metrics metrics, String command) throws IOException {
        JsonObject m = metrics.section(c.name);
        JsonObject pair = metrics.section("pair");
        JsonObject v = metrics.section("verifier");
        JsonObject d = metrics.section("drafter");
        boolean isVerifier = c.name.equals("verifier");
        StringBuilder s = new StringBuilder();
        s.append("# Specula bundled ").append(c.name).append("\n\n");
        s.append(isVerifier
                ? "Target model of the bundled pair: a small byte-level GPT trained from scratch on Java source code, sized so that on "
                + "ONNX Runtime CPU a forward over 5 new tokens costs about as much as over 1 (memory-bound), the regime where speculative "
                + "decoding pays.\n\n"
                : "Draft model of the bundled pair: a tiny byte-level GPT distilled from the bundled verifier, cheap enough to draft several "
                + "tokens per verifier step.\n\n");
        s.append("Toy quality: it completes Java-looking code and text, nothing more. It exists so that every Specula command works out of "
                + "the box without downloads; real exports drop in by configuration.\n\n");

        s.append("## Files\n\n");
        s.append("- `model.onnx`: opset 17, Hugging Face Optimum \"text-generation-with-past\" layout (fp32).\n");
        s.append("- `config.json`, `generation_config.json`, `tokenizer.json`, `tokenizer_config.json` (byte-level tokenizer shared, byte for byte, by drafter and verifier).\n\n");

        s.append("## Data\n\n");
        s.append("- Corpus: the `.java` files of the Temurin JDK 25 `lib/src.zip`, each with its leading licence block comment stripped, "
                + "joined in entry-name order with `<|endoftext|>` (id 256) between files.\n");
        s.append("- Held-out split rule: an entry is held out iff `java.util.zip.CRC32` of its entry name (UTF-8 bytes) mod 50 == 0. "
                + "Training only sees the other entries.\n");
        if (m.has("corpus")) s.append("- Split sizes: ").append(m.get("corpus").getAsString()).append(".\n");
        s.append("\n");

        s.append("## Architecture\n\n");
        s.append(String.format(Locale.ROOT, "- Decoder-only GPT, %d layers, hidden %d, %d attention heads, %d key/value heads "
                        + "(grouped-query attention), head_dim %d, MLP %d with exact (erf) GELU, pre-LayerNorm with weight+bias, final LayerNorm, "
                        + "untied lm_head (`tie_word_embeddings: false`), no biases in linear layers.%n",
                c.layers, c.hidden, c.heads, c.kvHeads, c.headDim, c.intermediate));
        s.append("- Rotary position embeddings (rotate-half, theta 10000) on q and k from `position_ids`; max_position_embeddings 2048.\n");
        s.append("- Vocabulary 260: bytes 0..255, 256 `<|endoftext|>` (bos/eos), 257 `<|pad|>`, 258 `<|im_start|>`, 259 `<|im_end|>`.\n");
        s.append(String.format(Locale.ROOT, "- Parameters: %,d (ONNX file %s bytes).%n", c.parameterCount(),
                m.has("onnx_bytes") ? String.format(Locale.ROOT, "%,d", m.get("onnx_bytes").getAsLong()) : "?"));
        s.append("- Attention semantics of the graph: key slot j of concat(past, new) is visible to new query t iff attention_mask[b, j] == 1 "
                + "and j <= past + t; masked scores are -1e9 (finite). `present.*` = concat(past, new) with new keys stored after rotary.\n\n");

        s.append("## Training\n\n");
        s.append("- Objective: ").append(m.has("objective") ? m.get("objective").getAsString() : "?").append(".\n");
        s.append(String.format(Locale.ROOT, "- Tokens trained: %s in %s steps, %s minutes of wall clock on a shared 2-core CPU (DJL 0.35.1 + PyTorch 2.7.1, fp32).%n",
                m.has("tokens_trained") ? String.format(Locale.ROOT, "%,d", m.get("tokens_trained").getAsLong()) : "?",
                m.has("steps") ? m.get("steps").getAsString() : "?", num(m, "training_minutes", "%.1f")));
        s.append(String.format(Locale.ROOT, "- Windows of %s bytes, batch %s%s; AdamW (0.9, 0.95, weight decay 0.1 on matrices), peak lr %s, "
                        + "linear warm-up then cosine decay to 10%% over the time budget, global-norm clipping at 1.0.%n",
                m.has("seq_len") ? m.get("seq_len").getAsString() : "?", m.has("batch") ? m.get("batch").getAsString() : "?",
                m.has("long_every") && m.get("long_every").getAsInt() > 0
                        ? String.format(Locale.ROOT, "; every %d-th step instead uses %d window(s) of %d bytes (same tokens per step) so that "
                                + "attention sees distances up to the full context", m.get("long_every").getAsInt(),
                        Math.max(1, m.get("batch").getAsInt() * m.get("seq_len").getAsInt() / m.get("long_seq").getAsInt()), m.get("long_seq").getAsInt())
                        : "",
                num(m, "peak_lr", "%.1e")));
        if (m.has("resumed_from_tokens")) {
            s.append(String.format(Locale.ROOT, "- Training ran in two segments. The first (a 58-minute budget, peak lr 1.5e-3) hit a non-finite loss after "
                            + "%.1f minutes; it was resumed from its last checkpoint (about %,d tokens in) with a fresh budgeted schedule (peak lr %s, "
                            + "cosine to 10%%) and with the guard that the trainer now has (a step whose loss or gradient norm is not finite is "
                            + "skipped). The totals above include both segments; the checkpoint's token count is read off the first segment's log.%n",
                    m.get("resumed_from_minutes").getAsDouble(), m.get("resumed_from_tokens").getAsLong(), num(m, "peak_lr", "%.1e")));
            if (m.has("skipped_steps")) s.append("- Steps skipped in the second segment: ").append(m.get("skipped_steps").getAsString()).append(".\n");
        } else if (m.has("skipped_steps")) {
            s.append("- Steps skipped because their loss or gradient norm was not finite: ").append(m.get("skipped_steps").getAsString()).append(".\n");
        }
        if (m.has("teacher_checkpoints_used") && m.get("teacher_checkpoints_used").getAsInt() <= 1) {
            s.append("- Distilled from the final verifier checkpoint (the verifier's training had ended).\n");
        } else if (m.has("teacher_checkpoints_used")) {
            s.append("- The distillation overlapped with the verifier's training and re-read the verifier checkpoint whenever it changed ("
                    + m.get("teacher_checkpoints_used").getAsString() + " teacher versions); its last stretch used the final verifier.\n");
        }
        s.append(String.format(Locale.ROOT, "- Final training %s (EMA over the last ~50 steps): %s; held-out cross-entropy (64 windows of 256 bytes): %s nats/byte (%s bits/byte).%n",
                m.has("teacher_checkpoints_used") ? "objective 0.9*KL + 0.1*CE" : "cross-entropy, nats/byte",
                num(m, "final_train_loss_ema", "%.4f"), num(m, "heldout_loss", "%.4f"),
                m.has("heldout_loss") ? String.format(Locale.ROOT, "%.3f", m.get("heldout_loss").getAsDouble() / Math.log(2)) : "?"));
        String beyond = "";
        if (m.has("loss_pos_0_256") && m.has("loss_pos_1024_2048")) {
            double near = m.get("loss_pos_0_256").getAsDouble();
            double mid = m.get("loss_pos_256_1024").getAsDouble();
            double far = m.get("loss_pos_1024_2048").getAsDouble();
            boolean sawLong = m.has("long_every") && m.get("long_every").getAsInt() > 0;
            beyond = sawLong
                    ? String.format(Locale.ROOT, " Because some training windows were full length, quality holds across the context: positions 256-1023 are "
                    + "as good as 0-255 (%+.0f%%), and 1024-2047 are %+.0f%% worse (those distances were seen in only ~1 step in %d).", 100 * (mid / near - 1), 100 * (far / near - 1),
                    m.has("long_every") ? m.get("long_every").getAsInt() : 16)
                    : String.format(Locale.ROOT, " Trained on 256-byte windows only, the model does NOT hold up beyond them: loss is %+.0f%% at positions "
                    + "256-1023 and %+.0f%% at 1024-2047 (rotary angles at unseen distances). Expect lower acceptance deep into long contexts; "
                    + "distilling with long windows (as the verifier had) is the fix.", 100 * (mid / near - 1), 100 * (far / near - 1));
        }
        s.append(String.format(Locale.ROOT, "- Quality by position on %s held-out windows of 2048 bytes (mean loss, nats/byte): positions 0-255 %s, 256-1023 %s, 1024-2047 %s.%s%n%n",
                m.has("long_eval_windows") ? m.get("long_eval_windows").getAsString() : "?",
                num(m, "loss_pos_0_256", "%.4f"), num(m, "loss_pos_256_1024", "%.4f"), num(m, "loss_pos_1024_2048", "%.4f"), beyond));

        s.append("## Measured\n\n");
        s.append(String.format(Locale.ROOT, "- Export parity: max |ONNX Runtime logits - DJL logits| = %s over 96 held-out bytes: whole sequence with empty past, "
                + "prefix then suffix through the KV cache, token by token, and a left-padded batch of 2 (tolerance 1e-4).%n", num(m, "parity_max_abs_diff", "%.2e")));
        s.append(String.format(Locale.ROOT, "- Step cost, ONNX Runtime 1.28 CPU, 2 intra-op threads, batch 1, past of 200 tokens (median of 200 interleaved runs): "
                        + "1 new token %s ms, 5 new tokens %s ms, ratio %s.%n",
                num(m, "step_ms_1_token_past200", "%.3f"), num(m, "step_ms_5_tokens_past200", "%.3f"), num(m, "step_ratio_5_vs_1", "%.2f")));
        s.append(String.format(Locale.ROOT, "- Per-token cost drafter / verifier: %s (1-token steps, past 200, 2 threads, each model in its own session: "
                        + "drafter %s ms, verifier %s ms; target <= 0.125). On a shared CPU these medians move by about 20%% from run to run. "
                        + "At this size the drafter's step is mostly ONNX Runtime's fixed per-node overhead (~80 nodes), not arithmetic.%n",
                num(pair, "drafter_to_verifier_step_cost", "%.3f"), num(d, "step_ms_1_token_past200", "%.3f"), num(v, "step_ms_1_token_past200", "%.3f")));
        s.append(String.format(Locale.ROOT, "- Greedy acceptance of the drafter against the verifier: %s, over %s positions (%s held-out prompts of %s bytes, "
                        + "each continued greedily by the verifier for %s tokens; a position counts as accepted when the drafter's argmax "
                        + "given the same prefix equals the verifier's token).%n",
                num(pair, "greedy_acceptance", "%.3f"), pair.has("acceptance_positions") ? pair.get("acceptance_positions").getAsString() : "?",
                pair.has("acceptance_prompts") ? pair.get("acceptance_prompts").getAsString() : "?",
                pair.has("acceptance_prompt_len") ? pair.get("acceptance_prompt_len").getAsString() : "?",
                pair.has("acceptance_gen_len") ? pair.get("acceptance_gen_len").getAsString() : "?"));
        if (pair.has("greedy_acceptance_long")) {
            s.append(String.format(Locale.ROOT, "- The same greedy acceptance after held-out prompts of %s bytes (deep in the context): %s, over %s positions.%n",
                    pair.get("acceptance_long_prompt_len").getAsString(), num(pair, "greedy_acceptance_long", "%.3f"),
                    pair.get("acceptance_long_positions").getAsString()));
        }
        s.append(String.format(Locale.ROOT, "- Argmax agreement of drafter and verifier on the held-out prompt text itself (teacher-forced, %s positions): %s. "
                        + "Greedy continuations of small models drift into repetitive code, which is easier to predict, so the figure above is the "
                        + "one that matches what greedy speculative decoding will see, and this one is the more conservative.%n",
                pair.has("argmax_agreement_positions") ? pair.get("argmax_agreement_positions").getAsString() : "?",
                num(pair, "argmax_agreement_heldout_text", "%.3f")));
        s.append("- Timings were taken on a CPU shared with other builds; treat them as indicative.\n\n");

        s.append("## Rebuild\n\n");
        s.append("From the repository root: `").append(command).append("` (see `models/README.md`). Everything is trained from scratch "
                + "from the JDK sources on the machine; nothing is downloaded.\n");
        Files.writeString(dir.resolve("README.md"), s.toString(), StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve("README.md"));
    }
}

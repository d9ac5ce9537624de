/**
 * Decoder-only language models in the Hugging Face Optimum "text-generation-with-past" ONNX layout, run by
 * ONNX Runtime: one {@link dev.specula.runtime.decoder.DecoderModel} (one {@code OrtSession}) per model, one
 * {@link dev.specula.runtime.decoder.DecoderSession} (one KV cache) per sequence, and
 * {@link dev.specula.runtime.decoder.BatchedForward} to run several sequences in one model call.
 *
 * <p>Shapes used throughout ({@code B} batch, {@code S} new tokens, {@code P} past length, {@code H} KV heads,
 * {@code D} head dim, {@code V} vocabulary): {@code input_ids}, {@code position_ids} [B,S] int64;
 * {@code attention_mask} [B,P+S] int64; {@code past_key_values.i.key|value} [B,H,P,D];
 * {@code logits} [B,S,V]; {@code present.i.key|value} [B,H,P+S,D] = concat(past, new) along axis 2.
 */
package dev.specula.runtime.decoder;

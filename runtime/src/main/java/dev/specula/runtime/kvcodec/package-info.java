/**
 * KV block codecs for offload to the KV store: fp32 (lossless), fp16, int8 with per-channel scales, and q4k2v (4-bit
 * keys per channel, 2-bit values per token group). Pure Java on {@link dev.specula.runtime.decoder.KvBlockLayout};
 * used by the verifier before it offloads blocks and after it fetches them. {@link
 * dev.specula.runtime.kvcodec.KvCodecErrorProbe} reports each codec's error on any block.
 */
package dev.specula.runtime.kvcodec;

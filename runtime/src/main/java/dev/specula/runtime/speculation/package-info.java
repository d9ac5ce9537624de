/**
 * Core's speculation interfaces over local models: {@link dev.specula.runtime.speculation.ModelDraftSource}
 * (a draft model as a {@code DraftSource}) and {@link dev.specula.runtime.speculation.VerifierSession} (a
 * target model as a {@code VerifierChannel}: the logic a verifier service wraps per stream, and the in-process
 * baseline of the benchmarks), plus in-process target-only and speculative generation.
 */
package dev.specula.runtime.speculation;

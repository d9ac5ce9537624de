/**
 * Lossless verification of drafts: the pure rejection rule ({@link dev.specula.core.verify.RejectionSampler}),
 * its result ({@link dev.specula.core.verify.Verdict}) and the verifier-side step from logits to a verdict
 * ({@link dev.specula.core.verify.DraftVerifier}).
 */
package dev.specula.core.verify;

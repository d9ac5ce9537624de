/**
 * Text ↔ token ids over DJL's binding of Hugging Face {@code tokenizers}, loaded offline from a model folder's
 * {@code tokenizer.json}; streaming detokenization that never splits a UTF-8 character; and the check that a
 * drafter and a verifier share one vocabulary (token-id level verification depends on it).
 */
package dev.specula.runtime.tokenizer;

/**
 * From logits to tokens: request sampling parameters, shaping a logits row into a sparse distribution
 * (temperature, top-k, top-p), and drawing from it with a uniform number supplied by the caller.
 */
package dev.specula.core.sampling;

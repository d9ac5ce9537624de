package dev.specula.drafter.engine;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.FinishReason;

/**
 * The small model's whole answer in cascade mode and the cascade rule's verdict on it.
 *
 * @param answer       the answer as one draft (tokens with the distributions, confidences and entropies they were
 *                     drawn with), so an escalation can replay it
 * @param score        its confidence score under the request's cascade metric (NaN when unscorable)
 * @param escalate     true when the score failed the threshold: the verifier must check it
 * @param finishReason how the answer ended, if returned as it is
 */
public record CascadeAnswer(Draft answer, double score, boolean escalate, FinishReason finishReason) {
}

/**
 * Draft sources that need no draft model: prompt lookup over the committed sequence ({@link
 * dev.specula.core.draft.NgramDraftSource}), replay of a finished answer ({@link
 * dev.specula.core.draft.AnswerDraftSource}, the cascade's escalation), and {@link
 * dev.specula.core.draft.HybridDraftSource}, which puts one of them in front of a model drafter.
 */
package dev.specula.core.draft;

/**
 * The speculation loop and its collaborators: draft sources (and the stop rules that end a draft early), the
 * verifier channel (and the load it reports), draft-length and switching policies, stop conditions and
 * statistics. The loop runs where the drafter runs; at most one verify call per round.
 */
package dev.specula.core.loop;

/**
 * The speculation loop and its collaborators: draft sources, the verifier channel, draft-length policies, stop
 * conditions and statistics. The loop runs where the drafter runs; one verify call per round.
 */
package dev.specula.core.loop;

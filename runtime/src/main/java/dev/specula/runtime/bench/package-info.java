/**
 * Measurements that feed the performance model of DESIGN.md §2: the verifier's forward cost as a function of
 * the number of new tokens (speculation pays only while scoring k + 1 tokens costs about as much as one), and
 * the cost ratio c = drafter step / verifier step.
 */
package dev.specula.runtime.bench;

/**
 * Fencing of stale writers (RELIABILITY.md #24): the newest epoch seen per generation, and the rule that refuses
 * writes of an older one.
 */
package dev.specula.kvstore.fence;

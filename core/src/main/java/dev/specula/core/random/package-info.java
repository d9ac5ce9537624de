/**
 * Randomness for sampling and verification: a stateless generator keyed by (request seed, absolute position,
 * purpose). No global or per-thread generator exists anywhere in core.
 */
package dev.specula.core.random;

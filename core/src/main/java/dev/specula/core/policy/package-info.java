/**
 * Speculation policies the loop carries out: adaptive draft lengths (a calibrated threshold stop rule, a
 * load-aware goodput choice of k, both together), entropy-adaptive switching, the cascade rule, and the plan that
 * names them for one request. Pure Java, deterministic: no policy draws a random number.
 */
package dev.specula.core.policy;

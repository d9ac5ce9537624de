package dev.specula.router.backend;

/**
 * Bounds resumes across all requests, so that a failing mesh is not hit by a storm of retries on top of its
 * load: every request earns {@code ratio} of a resume, up to {@code cap} saved; every resume spends one.
 * (The same idea as gRPC's retry throttling and Envoy's retry budgets.)
 */
public final class RetryBudget {
    private final double ratio;
    private final double cap;
    private double tokens;

    public RetryBudget(double ratio, double cap) {
        if (ratio < 0 || cap < 1) {
            throw new IllegalArgumentException("retry budget needs ratio >= 0 and cap >= 1");
        }
        this.ratio = ratio;
        this.cap = cap;
        this.tokens = cap;
    }

    public synchronized void requestStarted() {
        tokens = Math.min(cap, tokens + ratio);
    }

    /** @return whether a resume may run now (and spends it) */
    public synchronized boolean tryResume() {
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}

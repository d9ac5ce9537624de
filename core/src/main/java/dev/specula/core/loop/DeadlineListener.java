package dev.specula.core.loop;

/**
 * Hears what a {@link DraftDeadline} did, e.g. to count it in a metric (core has no metrics library). Called on
 * the loop's thread; implementations must be cheap and thread-safe across generations.
 */
public interface DeadlineListener {

    DeadlineListener NONE = new DeadlineListener() {
    };

    /** A round's draft was not ready in time (or the drafter was still busy with a late one): it went without. */
    default void missed() {
    }

    /** A round went without drafting because the drafter is backed off after repeated misses. */
    default void skipped() {
    }
}

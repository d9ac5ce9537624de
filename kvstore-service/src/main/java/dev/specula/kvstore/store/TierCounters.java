package dev.specula.kvstore.store;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the store did with one tier since start; exported per {@code tier} tag.
 *
 * <ul>
 *   <li>hits: GetBlocks keys this tier served (the first tier that held an intact copy);</li>
 *   <li>promotions: blocks read from this tier and copied into the first (memory) tier;</li>
 *   <li>demotions: blocks written into this tier because the tier above evicted them (or at shutdown);</li>
 *   <li>corrupt: blocks this tier returned whose payload failed the store's CRC32C check (removed, missed).</li>
 * </ul>
 */
public final class TierCounters {

    final LongAdder hits = new LongAdder();
    final LongAdder promotions = new LongAdder();
    final LongAdder demotions = new LongAdder();
    final LongAdder corrupt = new LongAdder();

    public long hits() {
        return hits.sum();
    }

    public long promotions() {
        return promotions.sum();
    }

    public long demotions() {
        return demotions.sum();
    }

    public long corrupt() {
        return corrupt.sum();
    }
}

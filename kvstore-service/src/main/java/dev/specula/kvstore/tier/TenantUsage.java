package dev.specula.kvstore.tier;

/** Blocks and payload bytes one tenant holds in a tier. */
public record TenantUsage(long blocks, long bytes) {

    public static final TenantUsage NONE = new TenantUsage(0, 0);

    public TenantUsage plus(long blocks, long bytes) {
        return new TenantUsage(this.blocks + blocks, this.bytes + bytes);
    }
}

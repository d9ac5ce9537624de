/**
 * The block store: validation, checksums, and the movement of blocks between tiers (demotion on eviction,
 * promotion on hit, a flush to the durable tiers at shutdown). A block that fails its checksum is a miss and is
 * removed; it is never served.
 */
package dev.specula.kvstore.store;

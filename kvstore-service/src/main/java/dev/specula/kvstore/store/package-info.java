/**
 * The block store: validation, checksums and hit/miss accounting over the tiers. A block that fails its checksum is
 * a miss and is removed; it is never served.
 */
package dev.specula.kvstore.store;

/**
 * The local-disk tier: one plain file per block, published atomically (temporary, fsync, rename), verified on every
 * read, re-indexed from the record headers on start, read-only or off instead of failing when the disk does.
 */
package dev.specula.kvstore.tier.disk;

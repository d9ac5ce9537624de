/**
 * The optional Redis tier: records keyed by tenant and full key hash, bounded by Lua scripts that evict least
 * recently used records inside Redis, behind short deadlines and a circuit breaker so that an outage is only a miss.
 */
package dev.specula.kvstore.tier.redis;

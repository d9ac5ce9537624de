package dev.specula.kvstore.tier.redis;

/** Redis did not answer in time, refused, or the circuit is open. The tier turns it into a miss or a skipped write. */
final class RedisUnavailableException extends Exception {

    RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false); // routine during an outage: no stack trace to fill per call
    }
}

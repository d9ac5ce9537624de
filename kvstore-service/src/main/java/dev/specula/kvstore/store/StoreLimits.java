package dev.specula.kvstore.store;

import dev.specula.service.error.InvalidRequestException;

/**
 * Per-request bounds that keep one request from monopolising the store.
 *
 * @param maxBlockBytes     largest payload accepted
 * @param maxKeysPerRequest most keys (or blocks, for a put message) in one request
 */
public record StoreLimits(int maxBlockBytes, int maxKeysPerRequest) {

    public StoreLimits {
        if (maxBlockBytes < 1) {
            throw new IllegalArgumentException("maxBlockBytes must be positive, got " + maxBlockBytes);
        }
        if (maxKeysPerRequest < 1) {
            throw new IllegalArgumentException("maxKeysPerRequest must be positive, got " + maxKeysPerRequest);
        }
    }

    /** @throws InvalidRequestException if a request names more than {@link #maxKeysPerRequest} items */
    public void checkCount(int count, String what) {
        if (count > maxKeysPerRequest) {
            throw new InvalidRequestException("too many " + what + " in one request: " + count + " > "
                    + maxKeysPerRequest);
        }
    }
}

package dev.specula.netem;

import java.time.Duration;
import java.util.Objects;

/**
 * The emulated link, applied to each direction separately.
 *
 * @param oneWayDelay    how long every byte spends "on the wire"; a request/response round trip costs twice this
 * @param bytesPerSecond bandwidth cap per direction; 0 = unlimited
 */
public record LinkProfile(Duration oneWayDelay, long bytesPerSecond) {

    /** A transparent link: no delay, no cap. */
    public static final LinkProfile NONE = new LinkProfile(Duration.ZERO, 0);

    public LinkProfile {
        Objects.requireNonNull(oneWayDelay, "oneWayDelay");
        if (oneWayDelay.isNegative()) {
            throw new IllegalArgumentException("oneWayDelay must not be negative: " + oneWayDelay);
        }
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be >= 0 (0 = unlimited): " + bytesPerSecond);
        }
    }

    /** Delay only, unlimited bandwidth. */
    public static LinkProfile delay(Duration oneWayDelay) {
        return new LinkProfile(oneWayDelay, 0);
    }

    public LinkProfile withBytesPerSecond(long cap) {
        return new LinkProfile(oneWayDelay, cap);
    }

    public boolean bandwidthLimited() {
        return bytesPerSecond > 0;
    }
}

package dev.specula.router.http;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Request ids. The internal id of every request is generated here (UUIDv7: time-ordered, 74 random bits), never
 * taken from the client; a client's {@code X-Request-Id} is only echoed back and logged (RELIABILITY.md #21), so
 * a client id can neither collide with another tenant's request nor steer anything.
 */
final class RequestIds {
    static final int MAX_CLIENT_ID_LENGTH = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {
    }

    static UUID uuidV7() {
        long millis = System.currentTimeMillis();
        byte[] random = new byte[10];
        RANDOM.nextBytes(random);
        long msb = (millis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | ((random[0] & 0x0FL) << 8) | (random[1] & 0xFFL);
        long lsb = 0;
        for (int i = 2; i < 10; i++) {
            lsb = lsb << 8 | (random[i] & 0xFFL);
        }
        lsb = lsb & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    /** The client's id if it is safe to echo in a header (printable ASCII, bounded), else null. */
    static String echoable(String clientId) {
        if (clientId == null || clientId.isEmpty() || clientId.length() > MAX_CLIENT_ID_LENGTH) {
            return null;
        }
        for (int i = 0; i < clientId.length(); i++) {
            char c = clientId.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return null;
            }
        }
        return clientId;
    }
}

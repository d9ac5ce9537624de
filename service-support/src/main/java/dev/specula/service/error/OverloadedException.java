package dev.specula.service.error;

/** No capacity now (queue full, memory budget reached); the client may retry later. Maps to RESOURCE_EXHAUSTED. */
public class OverloadedException extends RuntimeException {
    public OverloadedException(String message) {
        super(message);
    }
}

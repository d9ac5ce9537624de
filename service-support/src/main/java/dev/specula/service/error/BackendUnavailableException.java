package dev.specula.service.error;

/** A model is not loaded, the service is draining, or a backend it needs is unreachable. Maps to UNAVAILABLE. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

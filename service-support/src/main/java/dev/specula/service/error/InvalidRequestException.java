package dev.specula.service.error;

/** The request cannot be served as sent (bad field, prompt too long, unknown mode). Maps to INVALID_ARGUMENT. */
public class InvalidRequestException extends RuntimeException {
    public InvalidRequestException(String message) {
        super(message);
    }
}

package dev.specula.router.plan;

import dev.specula.service.error.InvalidRequestException;

/**
 * A request field is out of range, inconsistent or unsupported. Names the field as the OpenAI error's
 * {@code param} (HTTP 400); gRPC maps it to INVALID_ARGUMENT like any {@link InvalidRequestException}.
 */
public class InvalidParameterException extends InvalidRequestException {
    private final String param;

    public InvalidParameterException(String param, String message) {
        super(message);
        this.param = param;
    }

    /** The offending field, e.g. {@code max_tokens}; null when no single field is to blame. */
    public String param() {
        return param;
    }
}

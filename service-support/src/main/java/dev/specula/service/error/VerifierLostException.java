package dev.specula.service.error;

import io.grpc.Metadata;

/**
 * The verifier a generation was running against failed or vanished mid-request. Maps to UNAVAILABLE with the
 * trailer {@value #FAILED_BACKEND}: {@value #VERIFIER}, so that the router resumes the request on another
 * verifier replica instead of blaming (and avoiding) the healthy drafter that reported it.
 */
public class VerifierLostException extends BackendUnavailableException {
    public static final String FAILED_BACKEND = "specula-failed-backend";
    public static final String VERIFIER = "verifier";
    public static final Metadata.Key<String> FAILED_BACKEND_KEY =
            Metadata.Key.of(FAILED_BACKEND, Metadata.ASCII_STRING_MARSHALLER);

    public VerifierLostException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The trailers that name the verifier as the failed backend. */
    public static Metadata trailers() {
        Metadata trailers = new Metadata();
        trailers.put(FAILED_BACKEND_KEY, VERIFIER);
        return trailers;
    }
}

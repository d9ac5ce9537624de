package dev.specula.router.auth;

/** No API key, or one the router does not know. HTTP 401, gRPC UNAUTHENTICATED. */
public class UnauthenticatedException extends RuntimeException {
    public UnauthenticatedException(String message) {
        super(message);
    }
}

package dev.specula.router.http;

/**
 * An OpenAI-shaped error: {@code {"error":{"message","type","param","code"}}} with its HTTP status.
 *
 * @param retryAfterSeconds sent as {@code Retry-After} when > 0 (429, 503)
 * @param noRetry           sent as {@code x-should-retry: false}: the request was (partly) generated, so the
 *                          OpenAI SDKs must not retry it automatically (CONVENTIONS.md 1.6 #12)
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final long retryAfterSeconds;
    private final boolean noRetry;

    public ApiException(int status, String type, String message, String param, String code, long retryAfterSeconds,
                        boolean noRetry) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
        this.noRetry = noRetry;
    }

    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", message, param, null, 0, false);
    }

    public ApiException withNoRetry() {
        return new ApiException(status, type, getMessage(), param, code, retryAfterSeconds, true);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public boolean noRetry() {
        return noRetry;
    }
}

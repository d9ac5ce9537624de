package dev.specula.router.http;

import dev.specula.router.admission.AdmissionRefusedException;
import dev.specula.router.auth.QuotaExceededException;
import dev.specula.router.auth.UnauthenticatedException;
import dev.specula.router.plan.InvalidParameterException;
import dev.specula.service.error.BackendUnavailableException;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.error.OverloadedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maps every failure of a request to an OpenAI error with the right HTTP status: domain exceptions as the gRPC
 * front door maps them, and backend gRPC statuses by the {@code google.rpc.Code} → HTTP mapping
 * (CONVENTIONS.md 5.7 #8): INVALID_ARGUMENT/OUT_OF_RANGE/FAILED_PRECONDITION → 400, UNAUTHENTICATED → 401,
 * PERMISSION_DENIED → 403, NOT_FOUND → 404, RESOURCE_EXHAUSTED → 429 + Retry-After, UNIMPLEMENTED → 501,
 * UNAVAILABLE (and a backend-side CANCELLED/ABORTED) → 503 + Retry-After, DEADLINE_EXCEEDED → 504, anything else →
 * 500. Internal details never reach the client.
 */
final class ApiErrors {
    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    private ApiErrors() {
    }

    static ApiException of(Throwable error) {
        if (error instanceof ApiException api) {
            return api;
        }
        if (error instanceof InvalidParameterException invalid) {
            return ApiException.badRequest(invalid.param(), invalid.getMessage());
        }
        if (error instanceof InvalidRequestException || error instanceof IllegalArgumentException) {
            return ApiException.badRequest(null, error.getMessage());
        }
        if (error instanceof UnauthenticatedException) {
            return new ApiException(401, "authentication_error", error.getMessage(), null, "invalid_api_key", 0, false);
        }
        if (error instanceof QuotaExceededException quota) {
            return new ApiException(429, "rate_limit_error", quota.getMessage(), null, "rate_limit_exceeded",
                    quota.retryAfterSeconds(), false);
        }
        if (error instanceof AdmissionRefusedException saturated) {
            return new ApiException(503, "server_error", saturated.getMessage(), null, "service_unavailable",
                    saturated.retryAfterSeconds(), false);
        }
        if (error instanceof OverloadedException) {
            return new ApiException(429, "rate_limit_error", error.getMessage(), null, "overloaded", 1, false);
        }
        if (error instanceof BackendUnavailableException) {
            return new ApiException(503, "server_error", error.getMessage(), null, "service_unavailable", 1, false);
        }
        if (error instanceof StatusRuntimeException sre) {
            return of(sre.getStatus());
        }
        log.error("internal error serving a request", error);
        return new ApiException(500, "server_error", "internal error", null, "internal_error", 0, false);
    }

    private static ApiException of(Status status) {
        String description = status.getDescription() == null ? status.getCode().name() : status.getDescription();
        return switch (status.getCode()) {
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> ApiException.badRequest(null, description);
            case UNAUTHENTICATED -> new ApiException(401, "authentication_error", description, null, "invalid_api_key",
                    0, false);
            case PERMISSION_DENIED -> new ApiException(403, "permission_error", description, null, null, 0, false);
            case NOT_FOUND -> new ApiException(404, "invalid_request_error", description, null, "not_found", 0, false);
            case RESOURCE_EXHAUSTED -> new ApiException(429, "rate_limit_error", description, null, "overloaded", 1,
                    false);
            case UNIMPLEMENTED -> new ApiException(501, "server_error", description, null, "not_implemented", 0, false);
            case UNAVAILABLE, CANCELLED, ABORTED -> new ApiException(503, "server_error",
                    "the mesh is unavailable: " + description, null, "service_unavailable", 1, false);
            case DEADLINE_EXCEEDED -> new ApiException(504, "server_error", "generation timed out", null, "timeout", 0,
                    false);
            default -> {
                log.error("backend failed: {}", status);
                yield new ApiException(500, "server_error", "internal error", null, "internal_error", 0, false);
            }
        };
    }

    static ObjectNode body(JsonMapper json, ApiException error) {
        ObjectNode root = json.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", error.getMessage() == null ? "error" : error.getMessage());
        e.put("type", error.type());
        if (error.param() == null) {
            e.putNull("param");
        } else {
            e.put("param", error.param());
        }
        if (error.code() == null) {
            e.putNull("code");
        } else {
            e.put("code", error.code());
        }
        return root;
    }
}

package dev.specula.service.error;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.springframework.grpc.server.exception.GrpcExceptionHandler;

/**
 * The one place where domain exceptions become gRPC statuses, so nothing reaches the wire as UNKNOWN.
 * Descriptions carry the message; causes never cross the wire.
 */
public final class StatusMapping implements GrpcExceptionHandler {

    @Override
    public StatusException handleException(Throwable error) {
        Status status = toStatus(error);
        return error instanceof VerifierLostException ? status.asException(VerifierLostException.trailers())
                : status.asException();
    }

    /** The status with its trailers (which backend failed), for observers closed by hand. */
    public static StatusRuntimeException toRuntimeException(Throwable error) {
        Status status = toStatus(error);
        return error instanceof VerifierLostException ? status.asRuntimeException(VerifierLostException.trailers())
                : status.asRuntimeException();
    }

    public static Status toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (error instanceof StatusException se) {
            return se.getStatus();
        }
        if (error instanceof InvalidRequestException || error instanceof IllegalArgumentException
                || error instanceof IndexOutOfBoundsException) {
            return Status.INVALID_ARGUMENT.withDescription(error.getMessage());
        }
        if (error instanceof OverloadedException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(error.getMessage());
        }
        if (error instanceof BackendUnavailableException) {
            return Status.UNAVAILABLE.withDescription(error.getMessage());
        }
        if (error instanceof IllegalStateException) {
            return Status.FAILED_PRECONDITION.withDescription(error.getMessage());
        }
        return Status.INTERNAL.withDescription("internal error: " + error.getClass().getSimpleName());
    }
}

package dev.specula.router.auth;

import dev.specula.proto.v1.RouterGrpc;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * API keys and per-key limits on the gRPC {@code Router} service and on edge sessions (the {@code Verifier}
 * service the router proxies): metadata {@code authorization: Bearer <key>}.
 * Unknown or missing key → UNAUTHENTICATED; over the key's limits → RESOURCE_EXHAUSTED with a {@code retry-after}
 * trailer (seconds). The caller travels in the call's {@link Context} ({@link #currentTenant()}); its concurrency
 * slot is released when the call ends, however it ends. Health and reflection stay open (probes carry no key).
 */
public final class GrpcAuthInterceptor implements ServerInterceptor {
    public static final Context.Key<Caller> CALLER = Context.key("specula-caller");
    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> RETRY_AFTER =
            Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private final ApiKeys keys;

    public GrpcAuthInterceptor(ApiKeys keys) {
        this.keys = keys;
    }

    /** The tenant of the current gRPC call ({@code default} outside one or with auth off). */
    public static String currentTenant() {
        Caller caller = CALLER.get();
        return caller == null ? Caller.ANONYMOUS.tenant() : caller.tenant();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                        ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (!RouterGrpc.SERVICE_NAME.equals(service) && !VerifierGrpc.SERVICE_NAME.equals(service)) {
            return next.startCall(call, headers);
        }
        Caller caller;
        ApiKeys.Permit permit;
        try {
            caller = keys.authenticate(headers.get(AUTHORIZATION));
            permit = keys.admit(caller);
        } catch (UnauthenticatedException e) {
            call.close(Status.UNAUTHENTICATED.withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        } catch (QuotaExceededException e) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()), trailers);
            return new ServerCall.Listener<>() { };
        }
        ServerCall<Q, R> releasing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                permit.close();
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = Contexts.interceptCall(Context.current().withValue(CALLER, caller), releasing, headers, next);
        } catch (RuntimeException e) {
            permit.close();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    permit.close();
                }
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    permit.close();
                }
            }
        };
    }
}

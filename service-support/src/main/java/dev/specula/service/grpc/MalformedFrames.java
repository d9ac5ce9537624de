package dev.specula.service.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Refuses a request frame that is not a valid protobuf message with INVALID_ARGUMENT, and keeps the call's end
 * to one status (RELIABILITY.md #20).
 *
 * <p>Left to grpc-java, a frame that fails to parse ends the call as UNKNOWN ("Application error processing
 * RPC"), as if the service had crashed; and when the service had already closed the call (a refused first message
 * of a client stream), that second close sends a second set of trailers, which HTTP/2 answers by tearing down the
 * whole connection with every other call on it. Here the request marshaller reports a parse failure as a null
 * message instead of throwing; the handler closes the call with INVALID_ARGUMENT (once, whoever closes first),
 * tells the service the call is cancelled so it releases what it holds, and drops the call's later events.
 *
 * <p>Services apply it in {@code bindService()}: {@code return MalformedFrames.refused(super.bindService());}
 */
public final class MalformedFrames {

    private MalformedFrames() {
    }

    /** {@code service} with every method's request parsing guarded as above; names and schema unchanged. */
    public static ServerServiceDefinition refused(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> guarded = guard(method);
            descriptor.addMethod(guarded.getMethodDescriptor());
            methods.add(guarded);
        }
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(builder::addMethod);
        return builder.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
        MethodDescriptor<Q, R> lenient = method.toBuilder(new NullOnFailure<>(method.getRequestMarshaller()),
                method.getResponseMarshaller()).build();
        return ServerMethodDefinition.create(lenient, new Handler<>(definition.getServerCallHandler()));
    }

    /** Parses with the generated marshaller; a frame it cannot parse becomes null (no protobuf message is null). */
    private record NullOnFailure<Q>(MethodDescriptor.Marshaller<Q> standard) implements MethodDescriptor.Marshaller<Q> {
        @Override
        public InputStream stream(Q value) {
            return standard.stream(value);
        }

        @Override
        public Q parse(InputStream stream) {
            try {
                return standard.parse(stream);
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    private record Handler<Q, R>(ServerCallHandler<Q, R> delegate) implements ServerCallHandler<Q, R> {
        @Override
        public ServerCall.Listener<Q> startCall(ServerCall<Q, R> call, Metadata headers) {
            OneClose<Q, R> guarded = new OneClose<>(call);
            return new Listener<>(delegate.startCall(guarded, headers), guarded);
        }
    }

    /** The service's view of the call: once the call is closed (by anyone), later closes and sends are dropped. */
    private static final class OneClose<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private volatile boolean closed;

        OneClose(ServerCall<Q, R> call) {
            super(call);
        }

        /** @return whether this close ended the call */
        synchronized boolean closeOnce(Status status, Metadata trailers) {
            if (closed) {
                return false;
            }
            closed = true;
            super.close(status, trailers);
            return true;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closeOnce(status, trailers);
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!closed) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(R message) {
            if (!closed) {
                super.sendMessage(message);
            }
        }

        @Override
        public void request(int numMessages) {
            if (!closed) {
                super.request(numMessages);
            }
        }
    }

    private static final class Listener<Q, R> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
        private final OneClose<Q, R> call;
        private boolean refused;

        Listener(ServerCall.Listener<Q> delegate, OneClose<Q, R> call) {
            super(delegate);
            this.call = call;
        }

        @Override
        public void onMessage(Q message) {
            if (refused) {
                return;
            }
            if (message == null) {
                refused = true;
                call.closeOnce(Status.INVALID_ARGUMENT.withDescription("the request is not a valid "
                        + call.getMethodDescriptor().getFullMethodName() + " message"), new Metadata());
                super.onCancel(); // the service releases the call's resources as on a client cancel
                return;
            }
            try {
                super.onMessage(message);
            } catch (RuntimeException e) {
                afterClose(e);
            }
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                try {
                    super.onHalfClose();
                } catch (RuntimeException e) {
                    afterClose(e);
                }
            }
        }

        /**
         * A service that already ended the call may still throw for a later message (e.g. onNext after onError);
         * grpc-java would answer with a second close, so it is dropped here. Before the close it is grpc-java's.
         */
        private void afterClose(RuntimeException e) {
            if (!call.closed) {
                throw e;
            }
        }

        @Override
        public void onCancel() {
            if (!refused) {
                super.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!refused) {
                super.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                super.onReady();
            }
        }
    }
}

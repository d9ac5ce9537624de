package dev.specula.router.edge;

import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One edge session relayed to one verifier stream. Each direction moves one message at a time and asks for the
 * next only when the receiving side can take it, so neither a slow edge client nor a slow verifier makes the
 * router buffer: a client that stops reading stalls its own session and nothing else.
 */
final class ProxiedSession implements StreamObserver<SessionRequest> {
    private final ServerCallStreamObserver<SessionResponse> edge;
    private final String tenant;
    private final ClientCallStreamObserver<SessionRequest> verifier;
    /** A request was relayed while the verifier stream was not ready: pull the next one when it is. */
    private final AtomicBoolean wantsRequest = new AtomicBoolean();
    /** A response was relayed while the edge stream was not ready: pull the next one when it is. */
    private final AtomicBoolean wantsResponse = new AtomicBoolean();

    ProxiedSession(ServerCallStreamObserver<SessionResponse> edge, Channel verifierChannel, String tenant) {
        this.edge = edge;
        this.tenant = tenant;
        edge.disableAutoRequest();
        Upstream upstream = new Upstream();
        VerifierGrpc.newStub(verifierChannel).session(upstream);
        this.verifier = upstream.call;
        edge.setOnCancelHandler(() -> verifier.cancel("edge client went away", null));
        edge.setOnReadyHandler(() -> pull(wantsResponse, edge.isReady(), () -> verifier.request(1)));
        edge.request(1);
    }

    @Override
    public void onNext(SessionRequest request) {
        // The tenant salts the session's KV namespace: it comes from the API key, never from the client.
        SessionRequest relayed = request.hasOpen()
                ? request.toBuilder().setOpen(request.getOpen().toBuilder().setTenant(tenant)).build()
                : request;
        verifier.onNext(relayed);
        wantsRequest.set(true);
        pull(wantsRequest, verifier.isReady(), () -> edge.request(1));
    }

    @Override
    public void onError(Throwable t) {
        verifier.cancel("edge client failed", t);
    }

    @Override
    public void onCompleted() {
        verifier.onCompleted();
    }

    private static void pull(AtomicBoolean wanted, boolean ready, Runnable request) {
        if (ready && wanted.compareAndSet(true, false)) {
            request.run();
        }
    }

    private final class Upstream implements ClientResponseObserver<SessionRequest, SessionResponse> {
        private ClientCallStreamObserver<SessionRequest> call;

        @Override
        public void beforeStart(ClientCallStreamObserver<SessionRequest> call) {
            this.call = call;
            call.disableAutoRequestWithInitial(1);
            call.setOnReadyHandler(() -> pull(wantsRequest, call.isReady(), () -> edge.request(1)));
        }

        @Override
        public void onNext(SessionResponse response) {
            edge.onNext(response);
            wantsResponse.set(true);
            pull(wantsResponse, edge.isReady(), () -> call.request(1));
        }

        @Override
        public void onError(Throwable t) {
            if (!edge.isCancelled()) {
                edge.onError(Status.fromThrowable(t).asRuntimeException());
            }
        }

        @Override
        public void onCompleted() {
            if (!edge.isCancelled()) {
                edge.onCompleted();
            }
        }
    }
}

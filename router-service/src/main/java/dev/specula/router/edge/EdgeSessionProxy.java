package dev.specula.router.edge;

import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.router.auth.GrpcAuthInterceptor;
import dev.specula.router.backend.MeshBackends;
import dev.specula.service.grpc.MalformedFrames;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/**
 * Edge speculation through the front door: an app that runs the drafter itself opens a verification session on
 * the router, with its API key, exactly as it would on a verifier ({@code specula.v1.Verifier/Session}). The
 * router pins the session to one verifier for its whole life (its KV lives there), stamps the authenticated
 * tenant on it, and relays messages both ways under flow control. Target-only and cluster-side speculation stay
 * on {@code Router/Generate}; {@code Verifier/Generate} is not offered here.
 */
@Service
public class EdgeSessionProxy implements VerifierGrpc.AsyncService, BindableService {
    private final MeshBackends backends;

    public EdgeSessionProxy(MeshBackends backends) {
        this.backends = backends;
    }

    @Override
    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> responses) {
        // Called inside the edge call's gRPC context: the verifier call inherits its deadline and cancellation.
        return new ProxiedSession((ServerCallStreamObserver<SessionResponse>) responses, backends.verifier(),
                GrpcAuthInterceptor.currentTenant());
    }

    /** A request frame that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN (RELIABILITY.md #20). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedFrames.refused(VerifierGrpc.bindService(this));
    }
}

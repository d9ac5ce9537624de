package dev.specula.drafter.testing;

import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.GenerateEvent;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;

/**
 * A client of {@code Drafter/Generate} that goes away mid-stream: on the first chunk it runs {@code atFirstChunk}
 * (to look at the mesh while the generation is live), then cancels the call. {@link #ended} gives the status the
 * call ended with (CANCELLED when the cancel took).
 */
public final class CancelAtFirstChunk implements ClientResponseObserver<DraftGenerateRequest, GenerateEvent> {
    private final Runnable atFirstChunk;
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<DraftGenerateRequest> call;
    private boolean cancelled;

    public CancelAtFirstChunk(Runnable atFirstChunk) {
        this.atFirstChunk = atFirstChunk;
    }

    public CompletableFuture<Status> ended() {
        return ended;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<DraftGenerateRequest> requestStream) {
        call = requestStream;
    }

    @Override
    public void onNext(GenerateEvent event) {
        if (event.hasChunk() && !cancelled) {
            cancelled = true;
            atFirstChunk.run();
            call.cancel("test client went away", null);
        }
    }

    @Override
    public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.complete(Status.OK);
    }
}

package dev.specula.kvstore.grpc;

import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.fence.WriterEpochs;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.kvstore.store.PutSummary;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.service.error.StatusMapping;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * Receives one PutBlocks stream. Each message is stored as it arrives (gRPC asks the client for the next message
 * only after this one is handled, so at most one message is in memory). Each message is validated whole before any
 * of its blocks is written; the first refused message ends the call and blocks from earlier messages stay stored,
 * which is safe because keys are content addresses and a retry only reports them as existing. A message of a fenced
 * generation is checked against the newest epoch seen for it first: a stale one ends the call with
 * FAILED_PRECONDITION before any of its blocks is looked at (RELIABILITY.md #24).
 */
final class PutBlocksObserver implements StreamObserver<PutBlocksRequest> {

    private final BlockStore store;
    private final StreamObserver<PutBlocksResponse> responses;
    private final WriterEpochs epochs;
    private long stored;
    private long existing;
    private boolean closed;

    PutBlocksObserver(BlockStore store, WriterEpochs epochs, StreamObserver<PutBlocksResponse> responses) {
        this.store = store;
        this.epochs = epochs;
        this.responses = responses;
    }

    @Override
    public void onNext(PutBlocksRequest request) {
        if (closed) {
            return;
        }
        try {
            Tenant tenant = Tenant.of(request.getTenant());
            String generation = request.getFence().getGenerationId();
            long epoch = request.getFence().getEpoch();
            if (!epochs.admit(tenant, generation, epoch)) {
                closed = true;
                responses.onError(Status.FAILED_PRECONDITION.withDescription("stale writer: generation " + generation
                        + " epoch " + epoch + " is older than epoch " + epochs.highest(tenant, generation))
                        .asRuntimeException());
                return;
            }
            PutSummary summary = store.put(KvProtoMapper.blocks(tenant, request.getBlocksList(), store.limits()));
            stored += summary.stored();
            existing += summary.existing();
        } catch (RuntimeException e) {
            closed = true;
            responses.onError(StatusMapping.toStatus(e).asRuntimeException());
        }
    }

    /** The client cancelled or failed; there is nobody to answer. */
    @Override
    public void onError(Throwable error) {
        closed = true;
    }

    @Override
    public void onCompleted() {
        if (closed) {
            return;
        }
        closed = true;
        responses.onNext(PutBlocksResponse.newBuilder()
                .setStored(saturate(stored))
                .setExisting(saturate(existing))
                .build());
        responses.onCompleted();
    }

    private static int saturate(long count) {
        return (int) Math.min(count, Integer.MAX_VALUE);
    }
}

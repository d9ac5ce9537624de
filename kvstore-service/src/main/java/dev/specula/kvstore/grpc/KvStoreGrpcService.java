package dev.specula.kvstore.grpc;

import com.google.protobuf.ByteString;
import dev.specula.kvstore.KvStoreProperties;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.block.Tenant;
import dev.specula.kvstore.fence.WriterEpochs;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.proto.v1.DeleteBlocksRequest;
import dev.specula.proto.v1.DeleteBlocksResponse;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.LookupPrefixResponse;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.proto.v1.StatsRequest;
import dev.specula.proto.v1.StatsResponse;
import dev.specula.service.grpc.MalformedFrames;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import org.springframework.stereotype.Service;

/**
 * {@code specula.v1.KvStore}: map the request, call the store, map the response. Domain exceptions thrown here reach
 * the client through the StatusMapping bean; the streaming helpers map their own.
 */
@Service
public class KvStoreGrpcService implements KvStoreGrpc.AsyncService, BindableService {

    private final BlockStore store;
    private final WriterEpochs epochs;
    private final StallTimer stallTimer;
    private final Duration stallTimeout;

    KvStoreGrpcService(BlockStore store, WriterEpochs epochs, StallTimer stallTimer, KvStoreProperties properties) {
        this.store = store;
        this.epochs = epochs;
        this.stallTimer = stallTimer;
        this.stallTimeout = properties.streamStallTimeout();
    }

    @Override
    public StreamObserver<PutBlocksRequest> putBlocks(StreamObserver<PutBlocksResponse> responses) {
        return new PutBlocksObserver(store, epochs, responses);
    }

    /** All keys are validated before the first block is sent, so a bad request fails without partial output. */
    @Override
    public void getBlocks(GetBlocksRequest request, StreamObserver<KvBlock> responses) {
        List<BlockKey> keys = keys(request.getTenant(), request.getKeysList());
        BlockStreamer.start((ServerCallStreamObserver<KvBlock>) responses, store, keys, request.getStopAtMissing(),
                stallTimer, stallTimeout);
    }

    @Override
    public void lookupPrefix(LookupPrefixRequest request, StreamObserver<LookupPrefixResponse> responses) {
        int prefix = store.lookupPrefix(keys(request.getTenant(), request.getKeysList()));
        responses.onNext(LookupPrefixResponse.newBuilder().setStoredPrefix(prefix).build());
        responses.onCompleted();
    }

    @Override
    public void deleteBlocks(DeleteBlocksRequest request, StreamObserver<DeleteBlocksResponse> responses) {
        int deleted = store.delete(keys(request.getTenant(), request.getKeysList()));
        responses.onNext(DeleteBlocksResponse.newBuilder().setDeleted(deleted).build());
        responses.onCompleted();
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> responses) {
        responses.onNext(KvProtoMapper.toProto(store.stats(Tenant.of(request.getTenant()))));
        responses.onCompleted();
    }

    private List<BlockKey> keys(String tenant, List<ByteString> keys) {
        return KvProtoMapper.keys(Tenant.of(tenant), keys, store.limits());
    }

    /** A request frame that is not valid protobuf is INVALID_ARGUMENT, never UNKNOWN (RELIABILITY.md #20). */
    @Override
    public ServerServiceDefinition bindService() {
        return MalformedFrames.refused(KvStoreGrpc.bindService(this));
    }
}

package dev.specula.service.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.proto.v1.StatsRequest;
import dev.specula.proto.v1.StatsResponse;
import dev.specula.service.testing.FrameFuzzer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A KvStore-shaped service behind {@link MalformedFrames} on a real Netty port: a frame that is not protobuf is
 * INVALID_ARGUMENT naming the method (grpc-java alone says UNKNOWN), and more of them on a client stream end that
 * call once and nothing else: a call in flight on the same connection still completes.
 */
class MalformedFramesTest {
    /** Field 1, length-delimited, claiming far more bytes than follow. */
    private static final byte[] TRUNCATED = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};

    private final CompletableFuture<StreamObserver<KvBlock>> held = new CompletableFuture<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        KvStoreGrpc.AsyncService service = new KvStoreGrpc.AsyncService() {
            @Override
            public void stats(StatsRequest request, StreamObserver<StatsResponse> responses) {
                responses.onNext(StatsResponse.newBuilder().setBlocks(7).build());
                responses.onCompleted();
            }

            @Override
            public void getBlocks(GetBlocksRequest request, StreamObserver<KvBlock> responses) {
                held.complete(responses); // answered by the test
            }

            @Override
            public StreamObserver<PutBlocksRequest> putBlocks(StreamObserver<PutBlocksResponse> responses) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(PutBlocksRequest request) {
                        responses.onError(Status.INVALID_ARGUMENT.withDescription("refused by the service")
                                .asRuntimeException());
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(MalformedFrames.refused(KvStoreGrpc.bindService(service))).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aFrameThatIsNotProtobufIsInvalidArgumentAndTheServiceStillAnswers() {
        Status status = new FrameFuzzer(channel, 1, 5_000).call(KvStoreGrpc.getStatsMethod(), List.of(TRUNCATED));

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("specula.v1.KvStore/Stats");
        assertThat(KvStoreGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .stats(StatsRequest.getDefaultInstance()).getBlocks()).isEqualTo(7);
    }

    @Test
    void repeatedMalformedFramesOnAStreamEndItOnceAndLeaveOtherCallsOnTheConnectionAlone() throws Exception {
        CompletableFuture<Status> inFlight = new CompletableFuture<>();
        KvStoreGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getBlocks(GetBlocksRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(KvBlock block) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        inFlight.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        inFlight.complete(Status.OK);
                    }
                });
        StreamObserver<KvBlock> heldResponses = held.get(5, TimeUnit.SECONDS);

        // Left to grpc-java, each frame that fails to parse closes the call again; the second close is a second
        // set of trailers, and HTTP/2 answers with GOAWAY, failing every call on the connection.
        Status put = new FrameFuzzer(channel, 1, 5_000).call(KvStoreGrpc.getPutBlocksMethod(),
                List.of(TRUNCATED, TRUNCATED, TRUNCATED));

        assertThat(put.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(put.getDescription()).contains("specula.v1.KvStore/PutBlocks");
        heldResponses.onCompleted();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).getCode()).as("the other call on the connection")
                .isEqualTo(Status.Code.OK);
    }
}

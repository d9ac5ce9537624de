package dev.specula.drafter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.drafter.DrafterApplication;
import dev.specula.drafter.testing.ModelPair;
import dev.specula.proto.v1.DraftGenerateRequest;
import dev.specula.proto.v1.DrafterGrpc;
import dev.specula.proto.v1.GenerationFence;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.OpenSession;
import dev.specula.proto.v1.SessionRequest;
import dev.specula.proto.v1.SessionResponse;
import dev.specula.proto.v1.VerifierGrpc;
import dev.specula.service.testing.RunningService;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * RELIABILITY.md #24: the router's fencing token reaches the verifier session the drafter opens for the generation
 * (DraftGenerateRequest.fence to OpenSession.fence), so the verifier's KV offload writes carry it to the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrafterFencePassingTest {
    private final List<OpenSession> opened = new CopyOnWriteArrayList<>();
    private Server verifier;
    private RunningService drafter;

    @BeforeAll
    void start() throws Exception {
        // A verifier that records the session's opening message and refuses it.
        verifier = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new VerifierGrpc.VerifierImplBase() {
                    @Override
                    public StreamObserver<SessionRequest> session(StreamObserver<SessionResponse> responses) {
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(SessionRequest request) {
                                opened.add(request.getOpen());
                                responses.onError(Status.FAILED_PRECONDITION.withDescription("recorded (test)")
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
                })
                .build().start();
        drafter = RunningService.start(DrafterApplication.class, DrafterApplication.CONFIG_NAME, Map.of(
                "specula.drafter.model-path", ModelPair.UNDER_TEST.drafter().toString(),
                "specula.drafter.intra-op-threads", "1",
                "spring.grpc.client.channel.verifier.target", "static://127.0.0.1:" + verifier.getPort()));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (drafter != null) {
            drafter.close();
        }
        if (verifier != null) {
            verifier.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theGenerationsFenceIsPassedOnToTheVerifierSession() {
        GenerationFence fence = GenerationFence.newBuilder().setGenerationId("gen-7").setEpoch(3).build();
        DraftGenerateRequest request = DraftGenerateRequest.newBuilder().setMode(Mode.MODE_SPECULATIVE)
                .addPromptTokenIds(1).addPromptTokenIds(2).setMaxNewTokens(4).setTenant("t").setFence(fence).build();

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> DrafterGrpc.newBlockingStub(drafter.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .generate(request).forEachRemaining(e -> { }));

        assertThat(refused).as("the verifier's refusal reaches the caller").isNotNull();
        assertThat(opened).singleElement().satisfies(open -> {
            assertThat(open.getFence()).isEqualTo(fence);
            assertThat(open.getTenant()).isEqualTo("t");
        });
    }
}

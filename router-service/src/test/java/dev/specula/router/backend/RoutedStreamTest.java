package dev.specula.router.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.core.loop.FinishReason;
import dev.specula.router.plan.GenerationStats;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A placement the router gave up on yields nothing more, whatever its backend still sends (RELIABILITY.md #24). */
class RoutedStreamTest {

    @Test
    void aCancelledPlacementNeverYieldsAnotherChunkAndFreesItsReplicaOnce() {
        BackendPool pool = BackendPool.ofChannel("verifier",
                ManagedChannelBuilder.forTarget("127.0.0.1:1").usePlaintext().build(), CircuitBreakerRegistry.ofDefaults());
        Backend verifier = pool.backends().get(0);
        StillTalking backend = new StillTalking();
        Fence fence = Fence.first();
        RoutedStream placement = new RoutedStream(backend, null, verifier, fence);
        assertThat(verifier.inFlight()).isEqualTo(1);
        assertThat(placement.nextChunk()).containsExactly(1);

        placement.cancel();
        placement.cancel();

        assertThatThrownBy(placement::nextChunk).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
        assertThat(backend.reads).as("the superseded backend is not even read").hasValue(1);
        assertThat(backend.cancels).hasValue(2);
        assertThat(verifier.inFlight()).isZero();
        assertThat(placement.fence()).isEqualTo(fence);
    }

    @Test
    void everyFailoverPlacesTheSameGenerationWithTheNextEpoch() {
        Fence first = Fence.first();
        Fence second = first.next();

        assertThat(first.epoch()).isEqualTo(1);
        assertThat(second.generationId()).isEqualTo(first.generationId());
        assertThat(second.epoch()).isEqualTo(2);
        assertThat(Fence.first().generationId()).isNotEqualTo(first.generationId());
        assertThat(second.toProto().getEpoch()).isEqualTo(2);
    }

    /** A backend that would stream forever: only the router's side can stop the tokens. */
    private static final class StillTalking implements BackendStream {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger cancels = new AtomicInteger();

        @Override
        public int[] nextChunk() {
            return new int[] {reads.incrementAndGet()};
        }

        @Override
        public FinishReason finishReason() {
            throw new UnsupportedOperationException();
        }

        @Override
        public GenerationStats stats() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int cachedTokens() {
            return 0;
        }

        @Override
        public void cancel() {
            cancels.incrementAndGet();
        }
    }
}

package dev.specula.kvstore.grpc;

import dev.specula.kvstore.block.Block;
import dev.specula.kvstore.block.BlockKey;
import dev.specula.kvstore.store.BlockStore;
import dev.specula.proto.v1.KvBlock;
import dev.specula.service.error.StatusMapping;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;

/**
 * Streams the present blocks of one GetBlocks request, in request order, only while the transport is ready. With
 * {@code stopAtMissing} the first missing key ends the stream (a hash chain's stored prefix in one call).
 *
 * <p>Sending is driven by gRPC's onReady callback instead of a thread that waits for readiness: a blocking sender
 * running on the call's own executor cannot receive onReady (callbacks of one call are serialised), so it would only
 * notice readiness by polling. Here no thread waits at all, the server holds at most the one message beyond the
 * transport's ready threshold, and blocks are read from the store one at a time, when they can be sent. A client
 * that reads nothing for {@code stallTimeout} is ended with DEADLINE_EXCEEDED so that its buffered block is freed
 * even if it set no deadline of its own.
 *
 * <p>gRPC callbacks and the stall timer may call in from different threads; every entry point is synchronized, so
 * the observer is never used concurrently.
 */
final class BlockStreamer {

    private static final int ON_READY_THRESHOLD_BYTES = 4 << 20;
    private final ServerCallStreamObserver<KvBlock> observer;
    private final BlockStore store;
    private final Iterator<BlockKey> keys;
    private final boolean stopAtMissing;
    private final StallTimer timer;
    private final long stallNanos;
    private long lastProgress = System.nanoTime();
    private boolean finished;
    private ScheduledFuture<?> watchdog;

    private BlockStreamer(ServerCallStreamObserver<KvBlock> observer, BlockStore store, List<BlockKey> keys,
            boolean stopAtMissing, StallTimer timer, Duration stallTimeout) {
        this.observer = observer;
        this.store = store;
        this.keys = keys.iterator();
        this.stopAtMissing = stopAtMissing;
        this.timer = timer;
        this.stallNanos = stallTimeout.toNanos();
    }

    /** Starts streaming; returns at once. Must be called from the RPC handler, before it returns. */
    static void start(ServerCallStreamObserver<KvBlock> observer, BlockStore store, List<BlockKey> keys,
            boolean stopAtMissing, StallTimer timer, Duration stallTimeout) {
        BlockStreamer streamer = new BlockStreamer(observer, store, keys, stopAtMissing, timer, stallTimeout);
        observer.setOnCancelHandler(streamer::cancelled);
        // Stay "ready" until 4 MiB are queued: with gRPC's 32 KiB default every 64 KiB block costs a thread hand-off.
        observer.setOnReadyThreshold(ON_READY_THRESHOLD_BYTES);
        observer.setOnReadyHandler(streamer::drain);
        streamer.drain();
        streamer.armWatchdog();
    }

    /** Sends while the transport is ready; completes once every key has been looked at. */
    private synchronized void drain() {
        try {
            while (!finished) {
                if (!keys.hasNext()) {
                    finish();
                    observer.onCompleted();
                } else if (!observer.isReady()) {
                    return;
                } else {
                    Optional<Block> block = store.get(keys.next());
                    if (block.isPresent()) {
                        observer.onNext(KvProtoMapper.toProto(block.get()));
                        lastProgress = System.nanoTime();
                    } else if (stopAtMissing) {
                        finish();
                        observer.onCompleted();
                    }
                }
            }
        } catch (RuntimeException e) {
            finish();
            observer.onError(StatusMapping.toStatus(e).asRuntimeException());
        }
    }

    private synchronized void armWatchdog() {
        if (!finished) {
            watchdog = timer.schedule(this::checkStall, stallNanos);
        }
    }

    private synchronized void checkStall() {
        if (finished) {
            return;
        }
        long idle = System.nanoTime() - lastProgress;
        if (idle < stallNanos) {
            watchdog = timer.schedule(this::checkStall, stallNanos - idle);
            return;
        }
        finish();
        observer.onError(Status.DEADLINE_EXCEEDED
                .withDescription("client read no block for " + stallNanos / 1_000_000 + " ms")
                .asRuntimeException());
    }

    private synchronized void cancelled() {
        finish();
    }

    private void finish() {
        finished = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
    }
}

package dev.specula.launcher.bench;

import com.google.protobuf.ByteString;
import dev.specula.launcher.mesh.LocalMesh;
import dev.specula.launcher.mesh.ServiceHandle;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import dev.specula.service.grpc.AliasingMarshaller;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;

/**
 * Put and get GB/s of the KV store over gRPC on loopback, ~1 MiB per PutBlocks message and per GetBlocks call,
 * against plain loopback TCP measured in the same run. The store runs alone (its memory tier sized to hold
 * everything); one streaming put (flow-controlled by isReady), then gets with a few calls in flight.
 */
final class KvStoreThroughputScenario implements Scenario {
    private static final int PAYLOAD_POOL = 16;
    private static final long WARMUP_BYTES = 256L << 20;
    /**
     * The warm-up reads its bytes back again and again for this long. Get throughput kept rising for seconds: six
     * 512 MiB passes straight after a single warm-up pass ran at 0.82, 0.90, 1.11, 1.13, 1.36 and 1.48 GB/s (the
     * JIT compiler, two cores shared with a whole mesh's worth of classes), so one short pass mostly measured how far
     * the compiler had got, not the store.
     */
    private static final Duration WARMUP_GETS = Duration.ofSeconds(10);
    /** Measured get passes over the same bytes; the median is reported. */
    private static final int GET_PASSES = 3;
    private static final MethodDescriptor<GetBlocksRequest, KvBlock> GET_BLOCKS =
            AliasingMarshaller.forResponses(KvStoreGrpc.getGetBlocksMethod(), KvBlock.getDefaultInstance());

    @Override
    public String name() {
        return "kvstore-throughput";
    }

    @Override
    public String description() {
        return "KV store put/get GB/s through gRPC on loopback vs plain loopback TCP";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        EngineBenchOptions engine = options.engine();
        long total = (long) engine.storeTotalMib() << 20;
        int block = engine.storeBlockKib() << 10;
        int perBatch = Math.max(1, (engine.storeBatchKib() << 10) / block);
        int batches = (int) Math.max(1, total / ((long) perBatch * block));
        // Long enough for the JIT to finish with the put and get paths: with 64 MiB the measured phases of a fresh
        // JVM still ran partly interpreted and shared the cores with the compiler threads.
        long warmBytes = Math.min(total, WARMUP_BYTES);
        int warmBatches = (int) Math.max(1, warmBytes / ((long) perBatch * block));
        Map<String, Object> storeProperties = Map.of(
                "specula.kvstore.memory-bytes", Long.toString(total + warmBytes + (64L << 20)),
                "specula.kvstore.max-block-bytes", Long.toString(Math.max(block, 8 << 20)));
        Payloads payloads = new Payloads(block);
        List<Map<String, Object>> rows = new ArrayList<>();
        double put;
        double[] gets = new double[GET_PASSES];
        try (ServiceHandle store = LocalMesh.startKvStore(options.mesh().logLevel(), storeProperties)) {
            // directExecutor: the callbacks only count bytes or release a permit, so they run on the transport
            // thread instead of costing a thread hand-off per 64 KiB message (the client is not what is measured).
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", store.grpcPort()).usePlaintext()
                    .directExecutor().flowControlWindow(16 << 20).maxInboundMessageSize(64 << 20).build();
            try {
                KvStoreGrpc.KvStoreStub stub = KvStoreGrpc.newStub(channel);
                put(stub, "warmup", warmBatches, perBatch, payloads);
                long warmUntil = System.nanoTime() + WARMUP_GETS.toNanos();
                do {
                    get(stub, "warmup", warmBatches, perBatch, block, engine.getsInFlight());
                } while (System.nanoTime() < warmUntil);
                put = put(stub, "bench", batches, perBatch, payloads);
                for (int pass = 0; pass < GET_PASSES; pass++) {
                    gets[pass] = get(stub, "bench", batches, perBatch, block, engine.getsInFlight());
                }
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        double loopback = LoopbackTcp.bytesPerSecond((long) batches * perBatch * block, 1 << 20);
        rows.add(row("put (gRPC PutBlocks)", (long) batches * perBatch * block, put));
        for (int pass = 0; pass < GET_PASSES; pass++) {
            rows.add(row("get (gRPC GetBlocks) pass " + (pass + 1), (long) batches * perBatch * block, gets[pass]));
        }
        double get = median(gets);
        rows.add(row("loopback TCP", (long) batches * perBatch * block, loopback));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("get_gbps", get / 1e9);
        summary.put("get_passes", GET_PASSES);
        summary.put("put_gbps", put / 1e9);
        summary.put("loopback_gbps", loopback / 1e9);
        summary.put("get_over_loopback", get / loopback);
        summary.put("block_bytes", block);
        summary.put("blocks_per_batch", perBatch);
        summary.put("gets_in_flight", engine.getsInFlight());
        return new BenchReport(name(), MachineInfo.describe(), rows, summary);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static Map<String, Object> row(String operation, long bytes, double bytesPerSecond) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("operation", operation);
        row.put("mib", bytes >> 20);
        row.put("gbps", bytesPerSecond / 1e9);
        return row;
    }

    /** One client stream of {@code batches} messages; sends only while the transport is ready. @return bytes/s */
    private static double put(KvStoreGrpc.KvStoreStub stub, String tenant, int batches, int perBatch,
                              Payloads payloads) throws Exception {
        CompletableFuture<PutBlocksResponse> done = new CompletableFuture<>();
        Semaphore ready = new Semaphore(0);
        AtomicReference<ClientCallStreamObserver<PutBlocksRequest>> call = new AtomicReference<>();
        stub.putBlocks(new ClientResponseObserver<PutBlocksRequest, PutBlocksResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<PutBlocksRequest> requests) {
                call.set(requests);
                requests.setOnReadyHandler(ready::release);
            }

            @Override
            public void onNext(PutBlocksResponse value) {
                done.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(PutBlocksResponse.getDefaultInstance());
            }
        });
        ClientCallStreamObserver<PutBlocksRequest> requests = call.get();
        long start = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            PutBlocksRequest.Builder message = PutBlocksRequest.newBuilder().setTenant(tenant);
            for (int i = 0; i < perBatch; i++) {
                int index = b * perBatch + i;
                message.addBlocks(KvBlock.newBuilder().setKey(key(tenant, index)).setCodec("fp32")
                        .setPayload(payloads.payload(index)).setCrc32C(payloads.crc(index)).setTokenCount(16));
            }
            while (!requests.isReady()) {
                ready.tryAcquire(10, TimeUnit.MILLISECONDS);
                if (done.isDone()) {
                    done.get(); // failed early: surface the status
                }
            }
            requests.onNext(message.build());
        }
        requests.onCompleted();
        PutBlocksResponse response = done.get(5, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (response.getStored() + response.getExisting() != batches * perBatch) {
            throw new IllegalStateException("the store took " + response.getStored() + " + " + response.getExisting()
                    + " existing of " + batches * perBatch + " blocks");
        }
        return (double) batches * perBatch * payloads.blockBytes() / seconds;
    }

    /** {@code batches} GetBlocks calls of {@code perBatch} keys, {@code inFlight} at a time. @return bytes/s */
    private static double get(KvStoreGrpc.KvStoreStub stub, String tenant, int batches, int perBatch, int block,
                              int inFlight) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong bytes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        for (int b = 0; b < batches && failure.get() == null; b++) {
            slots.acquire();
            GetBlocksRequest.Builder request = GetBlocksRequest.newBuilder().setTenant(tenant);
            for (int i = 0; i < perBatch; i++) {
                request.addKeys(key(tenant, b * perBatch + i));
            }
            // Payloads parsed as views of the received message, as the verifier's store client does.
            ClientCalls.asyncServerStreamingCall(stub.getChannel().newCall(GET_BLOCKS, stub.getCallOptions()),
                    request.build(), new StreamObserver<>() {
                @Override
                public void onNext(KvBlock value) {
                    bytes.addAndGet(value.getPayload().size());
                }

                @Override
                public void onError(Throwable t) {
                    failure.compareAndSet(null, t);
                    slots.release();
                }

                @Override
                public void onCompleted() {
                    slots.release();
                }
            });
        }
        slots.acquire(inFlight);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("GetBlocks failed", failure.get());
        }
        long expected = (long) batches * perBatch * block;
        if (bytes.get() != expected) {
            throw new IllegalStateException("got " + bytes.get() + " of " + expected + " bytes back: the store's "
                    + "memory tier evicted blocks (raise --store-total-mib headroom)");
        }
        return bytes.get() / seconds;
    }

    /** 32-byte keys, distinct per tenant and index (content addressing is the client's business). */
    private static ByteString key(String tenant, int index) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(tenant.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(ByteBuffer.allocate(4).putInt(0, index));
            return ByteString.copyFrom(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A few random payloads reused round-robin, with their checksums computed once. */
    private static final class Payloads {
        private final ByteString[] payloads = new ByteString[PAYLOAD_POOL];
        private final int[] crcs = new int[PAYLOAD_POOL];
        private final int blockBytes;

        Payloads(int blockBytes) {
            this.blockBytes = blockBytes;
            Random random = new Random(1);
            for (int i = 0; i < PAYLOAD_POOL; i++) {
                byte[] bytes = new byte[blockBytes];
                random.nextBytes(bytes);
                payloads[i] = ByteString.copyFrom(bytes);
                CRC32C crc = new CRC32C();
                crc.update(bytes);
                crcs[i] = (int) crc.getValue();
            }
        }

        ByteString payload(int index) {
            return payloads[index % PAYLOAD_POOL];
        }

        int crc(int index) {
            return crcs[index % PAYLOAD_POOL];
        }

        int blockBytes() {
            return blockBytes;
        }
    }
}

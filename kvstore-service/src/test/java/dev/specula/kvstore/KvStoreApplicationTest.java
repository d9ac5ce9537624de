package dev.specula.kvstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.specula.kvstore.block.Checksums;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.PutBlocksResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Starts the application the way the all-in-one launcher does, twice in this JVM, on real ports: the gRPC server
 * over Netty, health and reflection, the actuator probes and the Prometheus scrape.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvStoreApplicationTest {

    private final List<Running> apps = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Running first;
    private Running second;

    /** One started application and a Netty channel to its gRPC port. */
    private record Running(ConfigurableApplicationContext context, ManagedChannel channel, int httpPort) {
    }

    @BeforeAll
    void startTwoInstances() {
        first = start();
        second = start();
    }

    @AfterAll
    void stop() throws InterruptedException {
        for (Running app : apps) {
            app.channel().shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            app.context().close();
        }
    }

    @Test
    void servesKvStoreOverARealPortAndInstancesShareNoState() {
        KvBlock block = block(4096);
        var firstStore = KvStoreGrpc.newBlockingStub(first.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
        var secondStore = KvStoreGrpc.newBlockingStub(second.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);

        assertThat(put(first, block).getStored()).isEqualTo(1);

        List<KvBlock> read = new ArrayList<>();
        firstStore.getBlocks(GetBlocksRequest.newBuilder().addKeys(block.getKey()).build())
                .forEachRemaining(read::add);
        assertThat(read).containsExactly(block);
        LookupPrefixRequest lookup = LookupPrefixRequest.newBuilder().addKeys(block.getKey()).build();
        assertThat(secondStore.lookupPrefix(lookup).getStoredPrefix()).isZero();
        assertThat(first.context().getBean(KvStoreProperties.class).memoryBytes().toMegabytes()).isEqualTo(4);
    }

    @Test
    void grpcHealthReportsServingAndReflectionListsTheService() throws Exception {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(first.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(first.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        answer.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
                .extracting(ServiceResponse::getName).contains("specula.v1.KvStore", "grpc.health.v1.Health");
    }

    @Test
    void actuatorProbesAreUp() throws Exception {
        assertThat(httpGet(first, "/actuator/health/liveness")).contains("\"status\":\"UP\"");
        assertThat(httpGet(first, "/actuator/health/readiness")).contains("\"status\":\"UP\"");
    }

    /** Golden list: dashboards and alerts key on these exact names (CONVENTIONS.md 2.5.11). */
    @Test
    void prometheusScrapeHasTheExactKvStoreMetricNames() throws Exception {
        KvBlock block = block(100);
        put(second, block);
        KvStoreGrpc.newBlockingStub(second.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getBlocks(GetBlocksRequest.newBuilder().addKeys(block.getKey()).build())
                .forEachRemaining(b -> { });

        String scrape = httpGet(second, "/actuator/prometheus");

        Set<String> names = new TreeSet<>();
        Matcher series = Pattern.compile("(?m)^(specula_kvstore_[a-z_]+)\\{").matcher(scrape);
        while (series.find()) {
            names.add(series.group(1));
        }
        assertThat(names).containsExactlyInAnyOrder(
                "specula_kvstore_hits_total",
                "specula_kvstore_misses_total",
                "specula_kvstore_queries_total",
                "specula_kvstore_corrupt_total",
                "specula_kvstore_tier_hits_total",
                "specula_kvstore_promotions_total",
                "specula_kvstore_demotions_total",
                "specula_kvstore_fallback_total",
                "specula_kvstore_tier_state",
                "specula_kvstore_evictions_total",
                "specula_kvstore_used_bytes",
                "specula_kvstore_capacity_bytes",
                "specula_kvstore_blocks",
                "specula_kvstore_fence_writes_total",
                "specula_kvstore_fence_generations");
        assertThat(scrape).contains("specula_kvstore_hits_total{application=\"kvstore\"} 1.0");
        assertThat(scrape).contains("specula_kvstore_capacity_bytes{application=\"kvstore\",tier=\"memory\"} 4194304");
        assertThat(scrape).contains("specula_kvstore_used_bytes{application=\"kvstore\",tier=\"memory\"} 100.0");
        assertThat(scrape).contains("specula_kvstore_tier_hits_total{application=\"kvstore\",tier=\"memory\"} 1.0");
        assertThat(scrape).contains("specula_kvstore_tier_state{application=\"kvstore\",tier=\"memory\"} 0.0");
    }

    /**
     * Launcher style. Ports go in as command-line arguments: SpringApplicationBuilder.properties(...) are default
     * properties, which kvstore.yaml's explicit ports would override.
     */
    private Running start() {
        AtomicInteger grpcPort = new AtomicInteger(-1);
        ApplicationListener<?> portListener = event -> {
            if (event instanceof GrpcServerStartedEvent started) {
                grpcPort.set(started.getPort());
            }
        };
        ConfigurableApplicationContext context = new SpringApplicationBuilder(KvStoreApplication.class)
                .properties("specula.kvstore.memory-bytes=4MB")
                .listeners(portListener)
                .run("--spring.config.name=" + KvStoreApplication.CONFIG_NAME, "--server.port=0", "--spring.grpc.server.port=0");
        int httpPort = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", grpcPort.get()).usePlaintext().build();
        Running app = new Running(context, channel, httpPort);
        apps.add(app);
        return app;
    }

    private static PutBlocksResponse put(Running app, KvBlock block) {
        CompletableFuture<PutBlocksResponse> response = new CompletableFuture<>();
        StreamObserver<PutBlocksRequest> requests = KvStoreGrpc.newStub(app.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS).putBlocks(new StreamObserver<>() {
                    @Override
                    public void onNext(PutBlocksResponse value) {
                        response.complete(value);
                    }

                    @Override
                    public void onError(Throwable error) {
                        response.completeExceptionally(error);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(PutBlocksRequest.newBuilder().addBlocks(block).build());
        requests.onCompleted();
        return response.join();
    }

    private String httpGet(Running app, String path) throws Exception {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + app.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return response.body();
    }

    private static KvBlock block(int size) {
        byte[] payload = new byte[size];
        new SplittableRandom(size).nextBytes(payload);
        byte[] key = new byte[32];
        new SplittableRandom(-size).nextBytes(key);
        return KvBlock.newBuilder().setKey(ByteString.copyFrom(key)).setCodec("fp32").setTokenCount(16)
                .setPayload(ByteString.copyFrom(payload)).setCrc32C(Checksums.crc32c(payload)).build();
    }
}

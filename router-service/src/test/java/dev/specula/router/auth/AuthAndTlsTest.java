package dev.specula.router.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.specula.proto.v1.GenerateEvent;
import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.router.RouterApplication;
import dev.specula.router.testing.FakeMesh;
import dev.specula.router.testing.Http;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * API keys, per-key limits and TLS on both listeners: the router runs with a self-signed certificate made by
 * {@code keytool} for this test (SSL bundle {@code router} on {@code server.ssl.bundle} and
 * {@code spring.grpc.server.ssl.bundle}) and three keys stored as SHA-256 hashes.
 */
@SpringBootTest(classes = RouterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "spring.config.name=router",
                "spring.grpc.server.port=0",
                "specula.router.served-model-name=test-tiny",
                "logging.level.root=WARN",
                "server.ssl.bundle=router",
                "spring.grpc.server.ssl.bundle=router",
                "spring.ssl.bundle.jks.router.keystore.type=PKCS12",
                "spring.ssl.bundle.jks.router.keystore.password=changeit",
                "spring.ssl.bundle.jks.router.key.alias=router"})
class AuthAndTlsTest {
    static final String ALPHA = "sk-alpha-0123456789";
    static final String LIMITED = "sk-limited-0123456789";
    static final String SINGLE = "sk-single-0123456789";
    static final String LIMITED_GRPC = "sk-limited-grpc-0123456789";
    static final Path MODEL = Path.of("../models/test-tiny").toAbsolutePath().normalize();
    static final TextTokenizer TOKENIZER = TextTokenizer.load(ModelFolder.open(MODEL));
    static final FakeMesh MESH = new FakeMesh();
    static final Path DIR;
    static final Path KEYSTORE;
    static final Path CERT;

    static {
        try {
            DIR = Files.createTempDirectory("specula-tls");
            KEYSTORE = DIR.resolve("router.p12");
            CERT = DIR.resolve("router.pem");
            keytool("-genkeypair", "-alias", "router", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                    "-keystore", KEYSTORE.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
            keytool("-exportcert", "-rfc", "-alias", "router", "-keystore", KEYSTORE.toString(),
                    "-storepass", "changeit", "-file", CERT.toString());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @LocalServerPort
    int httpPort;

    @Autowired
    GrpcServerLifecycle grpcServer;

    static void keytool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.grpc.client.channel.drafter.target", MESH::target);
        registry.add("spring.grpc.client.channel.verifier.target", MESH::target);
        registry.add("specula.router.model-path", MODEL::toString);
        registry.add("spring.ssl.bundle.jks.router.keystore.location", () -> KEYSTORE.toUri().toString());
        registry.add("specula.router.auth.keys[0].sha256", () -> ApiKeys.sha256Hex(ALPHA));
        registry.add("specula.router.auth.keys[1].sha256", () -> ApiKeys.sha256Hex(LIMITED));
        registry.add("specula.router.auth.keys[2].sha256", () -> ApiKeys.sha256Hex(SINGLE));
        // A list binds from one property source: all key fields here.
        registry.add("specula.router.auth.keys[0].tenant", () -> "alpha");
        registry.add("specula.router.auth.keys[1].tenant", () -> "limited");
        // One request per 50 s: two requests in a row cannot straddle a refill, however slow the machine.
        registry.add("specula.router.auth.keys[1].requests-per-second", () -> "0.02");
        registry.add("specula.router.auth.keys[2].tenant", () -> "single");
        registry.add("specula.router.auth.keys[2].max-concurrent", () -> "1");
        registry.add("specula.router.auth.keys[3].sha256", () -> ApiKeys.sha256Hex(LIMITED_GRPC));
        registry.add("specula.router.auth.keys[3].tenant", () -> "limited");
        registry.add("specula.router.auth.keys[3].requests-per-second", () -> "0.02");
    }

    @AfterAll
    static void stopMesh() throws InterruptedException {
        MESH.close();
    }

    @BeforeEach
    void scriptedOutput() {
        MESH.reset(TOKENIZER.encode("Hello there."));
    }

    static SSLContext trustingTheTestCertificate() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(CERT)) {
            trust.setCertificateEntry("router", (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    Http https() throws Exception {
        return new Http("https://localhost:" + httpPort, trustingTheTestCertificate());
    }

    ManagedChannel grpcChannel() throws Exception {
        return NettyChannelBuilder.forAddress("localhost", grpcServer.getPort())
                .sslContext(GrpcSslContexts.forClient().trustManager(CERT.toFile()).build()).build();
    }

    @Test
    void httpsWithoutOrWithAWrongKeyIs401InTheOpenAiShape() throws Exception {
        for (String[] headers : List.of(new String[0], new String[] {"Authorization", "Bearer sk-wrong"},
                new String[] {"Authorization", ALPHA})) {
            HttpResponse<String> response = https().post("/v1/completions", "{\"prompt\":\"x\"}", headers);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(Http.json(response.body()).at("/error/type").stringValue()).isEqualTo("authentication_error");
            assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer");
        }
        assertThat(https().get("/v1/models").statusCode()).isEqualTo(401);
        assertThat(https().get("/v1/models", "Authorization", "Bearer " + ALPHA).statusCode()).isEqualTo(200);
        // Metrics stay open for scrapers, as with vLLM.
        assertThat(https().get("/metrics").statusCode()).isEqualTo(200);
        assertThat(MESH.draftRequests).isEmpty();
    }

    @Test
    void theKeysTenantReachesTheBackends() throws Exception {
        HttpResponse<String> response = https().post("/v1/completions", "{\"prompt\":\"x\",\"mode\":\"draft-only\"}",
                "Authorization", "Bearer " + ALPHA);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(MESH.draftRequests).singleElement().satisfies(r -> assertThat(r.getTenant()).isEqualTo("alpha"));
        https().post("/v1/completions", "{\"prompt\":\"x\",\"mode\":\"target-only\"}", "Authorization",
                "Bearer " + ALPHA);
        assertThat(MESH.targetRequests).singleElement().satisfies(r -> assertThat(r.getTenant()).isEqualTo("alpha"));
    }

    @Test
    void overTheKeysRateIs429WithRetryAfter() throws Exception {
        HttpResponse<String> first = https().post("/v1/completions", "{\"prompt\":\"x\"}",
                "Authorization", "Bearer " + LIMITED);
        HttpResponse<String> second = https().post("/v1/completions", "{\"prompt\":\"x\"}",
                "Authorization", "Bearer " + LIMITED);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 50L);
        assertThat(Http.json(second.body()).at("/error/code").stringValue()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void overTheKeysConcurrencyIs429UntilTheFirstRequestEnds() throws Exception {
        MESH.chunkDelayMillis = 300;
        Http client = https();
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> client.post(
                "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":12}", "Authorization", "Bearer " + SINGLE));
        org.awaitility.Awaitility.await().until(() -> !MESH.draftRequests.isEmpty());

        HttpResponse<String> second = client.post("/v1/completions", "{\"prompt\":\"x\"}",
                "Authorization", "Bearer " + SINGLE);

        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
        assertThat(slow.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        MESH.chunkDelayMillis = 0;
        assertThat(client.post("/v1/completions", "{\"prompt\":\"x\"}", "Authorization", "Bearer " + SINGLE)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void grpcOverTlsNeedsTheKeyInMetadataAndCarriesItsTenant() throws Exception {
        ManagedChannel channel = grpcChannel();
        try {
            GenerateRequest request = GenerateRequest.newBuilder().setPrompt("x").setMaxTokens(4).build();
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    RouterGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS).generate(request)
                            .hasNext());
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

            Iterator<GenerateEvent> events = RouterGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(ALPHA)))
                    .withDeadlineAfter(20, TimeUnit.SECONDS).generate(request);
            GenerateEvent last = null;
            while (events.hasNext()) {
                last = events.next();
            }
            assertThat(last.hasSummary()).isTrue();
            assertThat(MESH.draftRequests).singleElement().satisfies(r -> assertThat(r.getTenant()).isEqualTo("alpha"));

            var limited = RouterGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(LIMITED_GRPC)));
            limited.withDeadlineAfter(20, TimeUnit.SECONDS).generate(request).forEachRemaining(e -> { });
            StatusRuntimeException exhausted = catchThrowableOfType(StatusRuntimeException.class, () ->
                    limited.withDeadlineAfter(20, TimeUnit.SECONDS).generate(request).hasNext());
            assertThat(exhausted.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(exhausted.getTrailers().get(GrpcAuthInterceptor.RETRY_AFTER)).isNotNull();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Metadata bearer(String key) {
        Metadata metadata = new Metadata();
        metadata.put(GrpcAuthInterceptor.AUTHORIZATION, "Bearer " + key);
        return metadata;
    }
}

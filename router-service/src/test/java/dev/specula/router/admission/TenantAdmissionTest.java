package dev.specula.router.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.router.auth.ApiKeys;
import dev.specula.router.auth.GrpcAuthInterceptor;
import dev.specula.router.testing.HeldBackends;
import dev.specula.router.testing.Http;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Per-tenant admission on a real router (gRPC in process, HTTP on Tomcat, API keys of three tenants) in front of
 * backends that hold every generation until the test lets them go (RELIABILITY.md #4): a tenant at its quota of
 * running + queued requests gets 429 / RESOURCE_EXHAUSTED "tenant quota" on either door while another tenant is
 * still served; a tenant's queued prompt bytes are bounded while the router's queue still has room; and a request
 * queued past the queue TTL is 503 (the pool, not the tenant, was the limit) and gives its tenant's quota back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantAdmissionTest {
    private static final String OUTPUT = "admitted";
    private static final String KEY_A = "sk-tenant-a";
    private static final String KEY_B = "sk-tenant-b";
    private static final String KEY_C = "sk-tenant-c";
    /** About 40 tokens: team-c may queue one such prompt, not two. */
    private static final String MEDIUM_PROMPT = " hello world".repeat(20).trim();
    private final ExecutorService clients = Executors.newFixedThreadPool(8);
    private Path model;
    private HeldBackends backends;
    private TextTokenizer tokenizer;
    private long mediumBytes;
    private Router router;

    /** One router under test: its context, in-process gRPC channel and HTTP client. */
    private record Router(ConfigurableApplicationContext context, ManagedChannel channel, Http http)
            implements AutoCloseable {

        Admission admission() {
            return context.getBean(Admission.class);
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            context.close();
        }
    }

    @BeforeAll
    void start() throws Exception {
        model = Path.of("../models/test-tiny").toAbsolutePath().normalize();
        tokenizer = TextTokenizer.load(ModelFolder.open(model));
        mediumBytes = 4L * tokenizer.encode(MEDIUM_PROMPT).length;
        backends = new HeldBackends(tokenizer.encode(OUTPUT));
        // Room for 4 running and 4 queued; 2 requests per tenant; team-c may queue 1.5 medium prompts' bytes.
        router = router("--specula.router.admission.max-in-flight=4",
                "--specula.router.admission.max-queued=4",
                "--specula.router.admission.queue-timeout=60s",
                "--specula.router.admission.tenant-max-requests=2",
                "--specula.router.admission.tenants.team-c.max-queued-bytes=" + (mediumBytes * 3 / 2) + "B");
    }

    private Router router(String... admission) {
        String name = "router-" + UUID.randomUUID();
        String target = backends.target();
        List<String> properties = new ArrayList<>(List.of(
                "--specula.router.model-path=" + model,
                "--specula.router.served-model-name=test-tiny",
                "--specula.router.request-timeout=60s",
                "--specula.router.auth.keys[0].sha256=" + ApiKeys.sha256Hex(KEY_A),
                "--specula.router.auth.keys[0].tenant=team-a",
                "--specula.router.auth.keys[1].sha256=" + ApiKeys.sha256Hex(KEY_B),
                "--specula.router.auth.keys[1].tenant=team-b",
                "--specula.router.auth.keys[2].sha256=" + ApiKeys.sha256Hex(KEY_C),
                "--specula.router.auth.keys[2].tenant=team-c",
                "--spring.grpc.client.channel.drafter.target=" + target,
                "--spring.grpc.client.channel.verifier.target=" + target));
        properties.addAll(List.of(admission));
        ConfigurableApplicationContext context = InProcessRouter.start(name, true, properties.toArray(String[]::new));
        return new Router(context, InProcessChannelBuilder.forName(name).build(),
                new Http("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port")));
    }

    @BeforeEach
    void holdGenerations() {
        backends.holdAgain();
    }

    @AfterEach
    void letGenerationsGo() {
        backends.release();
        Admission admission = router.admission();
        await().atMost(30, TimeUnit.SECONDS).until(() -> admission.inFlight() == 0 && admission.queued() == 0);
    }

    @AfterAll
    void stop() throws Exception {
        if (backends != null) {
            backends.release(); // before the router's graceful close, which would wait for held generations
        }
        clients.shutdownNow();
        if (router != null) {
            router.close();
        }
        if (backends != null) {
            backends.close();
        }
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    private static String grpcGenerate(Router on, String key) {
        Metadata headers = new Metadata();
        headers.put(GrpcAuthInterceptor.AUTHORIZATION, "Bearer " + key);
        StringBuilder text = new StringBuilder();
        RouterGrpc.newBlockingStub(on.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .generate(GenerateRequest.newBuilder().setPrompt("hi").setMaxTokens(32)
                        .setMode(Mode.MODE_TARGET_ONLY).build())
                .forEachRemaining(event -> text.append(event.getChunk().getText()));
        return text.toString();
    }

    private static HttpResponse<String> httpCompletion(Router on, String key, String prompt) {
        return on.http().post("/v1/completions", "{\"prompt\":\"" + prompt + "\",\"max_tokens\":16,\"temperature\":0}",
                "Authorization", "Bearer " + key);
    }

    private Future<String> heldGrpc(String key) {
        return clients.submit(() -> grpcGenerate(router, key));
    }

    private static void assertServed(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Http.json(response.body()).get("choices").get(0).get("text").stringValue()).isEqualTo(OUTPUT);
    }

    private static void assertTenantQuota429(HttpResponse<String> refused) {
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode error = Http.json(refused.body()).get("error");
        assertThat(error.get("type").stringValue()).isEqualTo("rate_limit_error");
        assertThat(error.get("message").stringValue()).contains("tenant quota");
    }

    @Test
    void aTenantAtItsQuotaIsRefusedOnBothDoorsWhileAnotherTenantIsStillServed() throws Exception {
        Admission admission = router.admission();
        List<Future<String>> teamA = List.of(heldGrpc(KEY_A), heldGrpc(KEY_A));
        await().atMost(30, TimeUnit.SECONDS).until(() -> backends.started() == 2);
        assertThat(admission.tenantRequests("team-a")).isEqualTo(2);

        HttpResponse<String> httpRefused = httpCompletion(router, KEY_A, "hi");
        StatusRuntimeException grpcRefused = catchThrowableOfType(StatusRuntimeException.class,
                () -> grpcGenerate(router, KEY_A));
        Future<HttpResponse<String>> teamB = clients.submit(() -> httpCompletion(router, KEY_B, "hi"));

        assertTenantQuota429(httpRefused);
        assertThat(Http.json(httpRefused.body()).get("error").get("message").stringValue()).contains("team-a");
        assertThat(grpcRefused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(grpcRefused.getStatus().getDescription()).contains("tenant quota").contains("team-a");
        assertThat(grpcRefused.getTrailers().get(GrpcAuthInterceptor.RETRY_AFTER)).isEqualTo("1");
        await().atMost(30, TimeUnit.SECONDS).until(() -> backends.started() == 3);
        assertThat(admission.inFlight()).as("team-b runs beside team-a").isEqualTo(3);
        assertThat(admission.tenantRefused("team-a", Admission.Reason.TENANT_REQUESTS)).isEqualTo(2);
        assertThat(admission.tenantRefused("team-b", Admission.Reason.TENANT_REQUESTS)).isZero();
        assertThat(router.http().get("/actuator/prometheus").body())
                .contains("specula_router_admission_tenant_refused_total{reason=\"tenant_requests\",tenant=\"team-a\"}"
                        + " 2.0")
                .contains("specula_router_admission_tenant_requests{tenant=\"team-a\"} 2.0")
                .contains("specula_router_admission_tenant_requests{tenant=\"team-b\"} 1.0");

        backends.release();
        for (Future<String> call : teamA) {
            assertThat(call.get(60, TimeUnit.SECONDS)).isEqualTo(OUTPUT);
        }
        assertServed(teamB.get(60, TimeUnit.SECONDS));
        assertThat(backends.started()).as("refused requests never reach a backend").isEqualTo(3);
        await().atMost(30, TimeUnit.SECONDS).until(() -> admission.tenantRequests("team-a") == 0);
        assertServed(httpCompletion(router, KEY_A, "hi"));
    }

    @Test
    void aTenantsQueuedPromptBytesAreBoundedWhileTheRoutersQueueHasRoom() throws Exception {
        Admission admission = router.admission();
        List<Future<String>> running = List.of(heldGrpc(KEY_A), heldGrpc(KEY_A), heldGrpc(KEY_B), heldGrpc(KEY_B));
        await().atMost(30, TimeUnit.SECONDS).until(() -> backends.started() == 4 && admission.inFlight() == 4);

        Future<HttpResponse<String>> queued = clients.submit(() -> httpCompletion(router, KEY_C, MEDIUM_PROMPT));
        await().atMost(30, TimeUnit.SECONDS).until(() -> admission.queued() == 1);
        assertThat(admission.tenantQueuedBytes("team-c")).isEqualTo(mediumBytes);
        HttpResponse<String> refused = httpCompletion(router, KEY_C, MEDIUM_PROMPT);

        assertTenantQuota429(refused);
        assertThat(Http.json(refused.body()).get("error").get("message").stringValue()).contains("prompt bytes");
        assertThat(admission.tenantRefused("team-c", Admission.Reason.TENANT_QUEUED_BYTES)).isEqualTo(1);
        assertThat(admission.queued()).as("the router's queue had room: only the tenant's bytes refused it")
                .isEqualTo(1);
        assertThat(admission.tenantQueuedBytes("team-c")).isEqualTo(mediumBytes);
        assertThat(admission.tenantRequests("team-c")).isEqualTo(1);

        backends.release();
        for (Future<String> call : running) {
            assertThat(call.get(60, TimeUnit.SECONDS)).isEqualTo(OUTPUT);
        }
        assertServed(queued.get(60, TimeUnit.SECONDS));
        assertThat(admission.tenantQueuedBytes("team-c")).isZero();
        assertThat(backends.started()).isEqualTo(5);
    }

    @Test
    void aRequestQueuedPastTheQueueTtlIs503AndGivesItsTenantsQuotaBack() throws Exception {
        try (Router impatient = router("--specula.router.admission.max-in-flight=1",
                "--specula.router.admission.max-queued=2",
                "--specula.router.admission.queue-timeout=300ms",
                "--specula.router.admission.tenant-max-requests=1")) {
            Admission admission = impatient.admission();
            Future<String> running = clients.submit(() -> grpcGenerate(impatient, KEY_A));
            await().atMost(30, TimeUnit.SECONDS).until(() -> backends.started() == 1 && admission.inFlight() == 1);

            HttpResponse<String> expired = httpCompletion(impatient, KEY_B, MEDIUM_PROMPT);

            assertThat(expired.statusCode()).as(expired.body()).isEqualTo(503);
            assertThat(expired.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(Http.json(expired.body()).get("error").get("message").stringValue()).contains("no slot freed");
            assertThat(admission.refused(Admission.Door.HTTP, Admission.Reason.QUEUE_TIMEOUT)).isEqualTo(1);
            assertThat(admission.tenantQueuedBytes("team-b")).isZero();
            assertThat(admission.tenantRequests("team-b")).as("at its quota of 1 while queued, free again")
                    .isZero();

            backends.release();
            assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo(OUTPUT);
            await().atMost(30, TimeUnit.SECONDS).until(() -> admission.inFlight() == 0);
            assertServed(httpCompletion(impatient, KEY_B, MEDIUM_PROMPT));
            assertThat(backends.started()).as("the expired request never reached a backend").isEqualTo(2);
        }
    }
}

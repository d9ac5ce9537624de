package dev.specula.router.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.specula.proto.v1.GenerateRequest;
import dev.specula.proto.v1.Mode;
import dev.specula.proto.v1.RouterGrpc;
import dev.specula.router.testing.InProcessRouter;
import dev.specula.router.testing.HeldBackends;
import dev.specula.router.testing.Http;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.tokenizer.TextTokenizer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A real router (gRPC in process, HTTP on Tomcat) with room for 2 running and 2 queued generations, in front of
 * backends that hold every generation until the test lets them go: the fifth request is refused on either door
 * (RESOURCE_EXHAUSTED, or 503 + Retry-After in the OpenAI shape), counted in the refusal metric, and every admitted
 * request, queued ones included, completes once the backends answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdmissionSaturationTest {
    private static final String ROUTER = "router-" + UUID.randomUUID();
    private static final String OUTPUT = "admitted";
    private final ExecutorService clients = Executors.newFixedThreadPool(4);
    private HeldBackends backends;
    private ConfigurableApplicationContext router;
    private ManagedChannel channel;
    private TextTokenizer tokenizer;
    private Http http;

    @BeforeAll
    void start() throws Exception {
        Path model = Path.of("../models/test-tiny").toAbsolutePath().normalize();
        tokenizer = TextTokenizer.load(ModelFolder.open(model));
        backends = new HeldBackends(tokenizer.encode(OUTPUT));
        String target = backends.target();
        router = InProcessRouter.start(ROUTER, true,
                "--specula.router.model-path=" + model,
                "--specula.router.served-model-name=test-tiny",
                "--specula.router.request-timeout=60s",
                "--specula.router.admission.max-in-flight=2",
                "--specula.router.admission.max-queued=2",
                "--specula.router.admission.queue-timeout=60s",
                "--spring.grpc.client.channel.drafter.target=" + target,
                "--spring.grpc.client.channel.verifier.target=" + target);
        channel = InProcessChannelBuilder.forName(ROUTER).build();
        http = new Http("http://127.0.0.1:" + router.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    void stop() throws Exception {
        if (backends != null) {
            backends.release(); // before the router's graceful close, which would wait for held generations
        }
        clients.shutdownNow();
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
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

    private String grpcGenerate() {
        StringBuilder text = new StringBuilder();
        RouterGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
                .generate(GenerateRequest.newBuilder().setPrompt("hi").setMaxTokens(32)
                        .setMode(Mode.MODE_TARGET_ONLY).build())
                .forEachRemaining(event -> text.append(event.getChunk().getText()));
        return text.toString();
    }

    private HttpResponse<String> httpCompletion() {
        return http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":32,\"temperature\":0}");
    }

    @Test
    void overTheBoundBothDoorsRefuseAndEveryAdmittedRequestCompletes() throws Exception {
        Admission admission = router.getBean(Admission.class);
        List<Future<String>> grpcAdmitted = new ArrayList<>();
        grpcAdmitted.add(clients.submit(this::grpcGenerate));
        grpcAdmitted.add(clients.submit(this::grpcGenerate));
        await().atMost(30, TimeUnit.SECONDS).until(() -> backends.started() == 2 && admission.inFlight() == 2);
        Future<HttpResponse<String>> httpQueued = clients.submit(this::httpCompletion);
        grpcAdmitted.add(clients.submit(this::grpcGenerate));
        await().atMost(30, TimeUnit.SECONDS).until(() -> admission.queued() == 2);

        StatusRuntimeException grpcRefused = catchThrowableOfType(StatusRuntimeException.class, this::grpcGenerate);
        HttpResponse<String> httpRefused = httpCompletion();

        assertThat(grpcRefused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(grpcRefused.getStatus().getDescription()).contains("at capacity");
        assertThat(httpRefused.statusCode()).as(httpRefused.body()).isEqualTo(503);
        assertThat(httpRefused.headers().firstValue("Retry-After")).hasValue("1");
        JsonNode error = Http.json(httpRefused.body()).get("error");
        assertThat(error.get("type").stringValue()).isEqualTo("server_error");
        assertThat(error.get("code").stringValue()).isEqualTo("service_unavailable");
        assertThat(error.get("message").stringValue()).contains("at capacity");
        assertThat(backends.started()).as("refused requests never reach a backend").isEqualTo(2);
        assertThat(admission.refused(Admission.Door.GRPC, Admission.Reason.QUEUE_FULL)).isEqualTo(1);
        assertThat(admission.refused(Admission.Door.HTTP, Admission.Reason.QUEUE_FULL)).isEqualTo(1);
        assertThat(http.get("/actuator/prometheus").body())
                .contains("specula_router_admission_refused_total{door=\"http\",reason=\"queue_full\"} 1.0")
                .contains("specula_router_admission_queued 2.0");

        backends.release();
        for (Future<String> call : grpcAdmitted) {
            assertThat(call.get(60, TimeUnit.SECONDS)).isEqualTo(OUTPUT);
        }
        HttpResponse<String> queued = httpQueued.get(60, TimeUnit.SECONDS);
        assertThat(queued.statusCode()).as(queued.body()).isEqualTo(200);
        assertThat(Http.json(queued.body()).get("choices").get(0).get("text").stringValue()).isEqualTo(OUTPUT);
        assertThat(backends.started()).isEqualTo(4);
        await().atMost(30, TimeUnit.SECONDS).until(() -> admission.inFlight() == 0 && admission.queued() == 0);
        assertThat(httpCompletion().statusCode()).as("a free router admits again").isEqualTo(200);
    }
}

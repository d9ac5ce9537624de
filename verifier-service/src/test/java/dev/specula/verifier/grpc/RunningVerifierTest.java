package dev.specula.verifier.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.ExecutionSettings;
import dev.specula.runtime.model.ModelFolder;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.testing.ModelPair;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One verifier service per test class over a real port, plus the same model loaded in process as the oracle.
 * After every test no session may be left open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RunningVerifierTest {
    static final Path FOLDER = ModelPair.UNDER_TEST.verifier();
    static final int VOCAB = ModelFolder.open(FOLDER).config().vocabSize();
    static final int CONTEXT = ModelFolder.open(FOLDER).config().maxPositionEmbeddings();

    RunningService verifier;
    VerifierEngine engine;
    DecoderModel target;

    /** Verifier properties of this test class beyond the model path and thread count. */
    abstract Map<String, String> verifierProperties();

    @BeforeAll
    void start() {
        Map<String, String> properties = new HashMap<>(verifierProperties());
        properties.put("specula.verifier.model-path", FOLDER.toString());
        properties.put("specula.verifier.intra-op-threads", "2");
        verifier = RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME, properties);
        engine = verifier.bean(VerifierEngine.class);
        target = DecoderModel.load(FOLDER, ExecutionSettings.defaults().withIntraOpThreads(2));
    }

    @AfterEach
    void noSessionIsLeftOpen() {
        await().pollDelay(Duration.ZERO).atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(engine.openSessions()).as("open sessions").isZero());
    }

    @AfterAll
    void stop() {
        if (target != null) {
            target.close();
        }
        if (verifier != null) {
            verifier.close();
        }
    }
}

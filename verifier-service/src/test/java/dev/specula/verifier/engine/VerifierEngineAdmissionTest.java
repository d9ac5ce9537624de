package dev.specula.verifier.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.core.sampling.SamplingParams;
import dev.specula.runtime.engine.KvFootprint;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.service.error.InvalidRequestException;
import dev.specula.service.error.OverloadedException;
import dev.specula.verifier.config.VerifierProperties;
import dev.specula.verifier.testing.ModelPair;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Engine-level refusals become the service's errors: KV budget → RESOURCE_EXHAUSTED, bad tenant → INVALID_ARGUMENT. */
class VerifierEngineAdmissionTest {

    @Test
    void aSessionThatFindsNoKvMemoryIsOverloadedAndTakesNoSlot() {
        int[] prompt = IntStream.range(0, 20).toArray();
        long perSession;
        try (DecoderModel model = DecoderModel.load(ModelPair.UNDER_TEST.verifier())) {
            perSession = new KvFootprint(model).bytesFor(prompt.length + 8);
        }
        try (VerifierEngine engine = new VerifierEngine(properties(DataSize.ofBytes(perSession)))) {
            ActiveSession first = engine.open("a", prompt, SamplingParams.GREEDY, 8, "");
            assertThatThrownBy(() -> engine.open("a", prompt, SamplingParams.GREEDY, 8, ""))
                    .isInstanceOf(OverloadedException.class)
                    .hasMessageContaining("KV")
                    .hasMessageContaining("budget");
            assertThat(engine.openSessions()).as("the refused session gave its slot back").isEqualTo(1);
            first.close();
            engine.open("a", prompt, SamplingParams.GREEDY, 8, "").close();
            assertThat(engine.openSessions()).isZero();
            assertThatThrownBy(() -> engine.open("bad\u0001tenant", prompt, SamplingParams.GREEDY, 8, ""))
                    .isInstanceOf(InvalidRequestException.class).hasMessageContaining("tenant");
        }
    }

    static VerifierProperties properties(DataSize budget) {
        return new VerifierProperties(ModelPair.UNDER_TEST.verifier(), 8, 64, 2, budget, Duration.ofMillis(100),
                Duration.ofSeconds(30), 16, DataSize.ofMegabytes(8), DataSize.ofMegabytes(8), true, 8, 256, 128,
                Duration.ofMillis(75), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(30), -1,
                Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(120),
                DataSize.ofMegabytes(64));
    }
}

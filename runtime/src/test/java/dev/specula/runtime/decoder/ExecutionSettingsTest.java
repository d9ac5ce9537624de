package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.specula.runtime.model.ModelFolder;
import dev.specula.runtime.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutionSettingsTest {

    @Test
    void servicesConfigureThreadsAndTheCudaDevice() {
        ExecutionSettings cpu = ExecutionSettings.configured(0, -1);
        assertEquals(ExecutionSettings.defaults(), cpu);
        assertFalse(cpu.cuda());

        ExecutionSettings gpu = ExecutionSettings.configured(3, 1);
        assertEquals(3, gpu.intraOpThreads());
        assertTrue(gpu.cuda());
        assertEquals(1, gpu.cudaDevice());
    }

    @Test
    void autoThreadsAreOneForASmallModelAndEveryCoreForALargeOne() {
        ExecutionSettings auto = ExecutionSettings.defaults();
        assertEquals(1, auto.threadsFor(ExecutionSettings.SMALL_MODEL_BYTES - 1));
        assertEquals(Runtime.getRuntime().availableProcessors(), auto.threadsFor(ExecutionSettings.SMALL_MODEL_BYTES));
        assertEquals(3, auto.withIntraOpThreads(3).threadsFor(1), "a configured count is kept");
    }

    /** Weights in external data beside model.onnx count: a large export's graph file alone is small. */
    @Test
    void aModelIsSizedWithItsExternalData(@TempDir Path dir) throws IOException {
        Path tiny = TestModels.tiny().folder().root();
        try (Stream<Path> files = Files.list(tiny)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
        long graph = Files.size(dir.resolve(ModelFolder.MODEL));
        assertEquals(graph, DecoderModel.weightBytes(ModelFolder.open(dir)));
        Files.write(dir.resolve(ModelFolder.MODEL + "_data"), new byte[1 << 20]);
        assertEquals(graph + (1 << 20), DecoderModel.weightBytes(ModelFolder.open(dir)));
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExecutionSettings.configured(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> ExecutionSettings.configured(1, -2));
    }
}

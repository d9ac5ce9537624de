package dev.specula.runtime.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

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
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ExecutionSettings.configured(-1, -1));
        assertThrows(IllegalArgumentException.class, () -> ExecutionSettings.configured(1, -2));
    }
}

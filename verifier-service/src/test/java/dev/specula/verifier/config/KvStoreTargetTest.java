package dev.specula.verifier.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.runtime.engine.BlockStore;
import dev.specula.service.testing.RunningService;
import dev.specula.verifier.VerifierApplication;
import dev.specula.verifier.engine.VerifierEngine;
import dev.specula.verifier.kvstore.FakeKvStoreServer;
import dev.specula.verifier.testing.ModelPair;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The KV store is used when its channel has a target; a blank target (how a chart value or a command line leaves it
 * unset) turns offload and restore off instead of failing on an empty address.
 */
class KvStoreTargetTest {

    @Test
    void aBlankTargetMeansNoStore() {
        try (RunningService verifier = start("")) {
            assertThat(verifier.bean(VerifierEngine.class).store()).isSameAs(BlockStore.NONE);
        }
    }

    @Test
    void aTargetMeansTheStore() throws Exception {
        try (FakeKvStoreServer store = new FakeKvStoreServer(); RunningService verifier = start(store.target())) {
            assertThat(verifier.bean(VerifierEngine.class).store()).isNotSameAs(BlockStore.NONE);
        }
    }

    private static RunningService start(String target) {
        return RunningService.start(VerifierApplication.class, VerifierApplication.CONFIG_NAME,
                Map.of("specula.verifier.model-path", ModelPair.TEST_TINY.verifier().toString(),
                        VerifierConfiguration.KVSTORE_TARGET, target));
    }
}

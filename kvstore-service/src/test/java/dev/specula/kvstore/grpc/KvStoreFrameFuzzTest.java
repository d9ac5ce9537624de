package dev.specula.kvstore.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.specula.kvstore.KvStoreApplication;
import dev.specula.proto.v1.DeleteBlocksRequest;
import dev.specula.proto.v1.GetBlocksRequest;
import dev.specula.proto.v1.KvBlock;
import dev.specula.proto.v1.KvStoreGrpc;
import dev.specula.proto.v1.LookupPrefixRequest;
import dev.specula.proto.v1.PutBlocksRequest;
import dev.specula.proto.v1.StatsRequest;
import dev.specula.service.testing.FrameFuzzer;
import dev.specula.service.testing.FuzzOutcomes;
import dev.specula.service.testing.RunningService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated protobuf frames to every KvStore method on a real TCP port (RELIABILITY.md #20 d): each call
 * ends with a status before its deadline, never as an internal error, and the store still serves a put and a get
 * afterwards. Fixed seed: the same frames every run.
 */
class KvStoreFrameFuzzTest {
    private static final long SEED = 20_261_122L;

    @Test
    void randomAndMutatedFramesGetAStatusAndTheStoreKeepsServing() {
        try (RunningService store = RunningService.start(KvStoreApplication.class, KvStoreApplication.CONFIG_NAME,
                Map.of("specula.kvstore.memory-bytes", "2MB", "specula.kvstore.page-bytes", "16KB"))) {
            KvClient client = new KvClient(store.channel(), SEED);
            KvBlock block = client.block(600);
            List<ByteString> keys = List.of(block.getKey(), client.hash());
            Map<String, byte[]> valid = Map.of(
                    KvStoreGrpc.getPutBlocksMethod().getFullMethodName(),
                    PutBlocksRequest.newBuilder().setTenant("fuzz").addBlocks(block).build().toByteArray(),
                    KvStoreGrpc.getGetBlocksMethod().getFullMethodName(),
                    GetBlocksRequest.newBuilder().setTenant("fuzz").addAllKeys(keys).build().toByteArray(),
                    KvStoreGrpc.getLookupPrefixMethod().getFullMethodName(),
                    LookupPrefixRequest.newBuilder().setTenant("fuzz").addAllKeys(keys).build().toByteArray(),
                    KvStoreGrpc.getDeleteBlocksMethod().getFullMethodName(),
                    DeleteBlocksRequest.newBuilder().setTenant("fuzz").addAllKeys(keys).build().toByteArray(),
                    KvStoreGrpc.getStatsMethod().getFullMethodName(),
                    StatsRequest.newBuilder().setTenant("fuzz").build().toByteArray());

            List<FrameFuzzer.Outcome> outcomes = new FrameFuzzer(store.channel(), SEED, 5_000)
                    .fuzz(KvStoreGrpc.getServiceDescriptor(), valid, 40);

            FuzzOutcomes.assertEveryCallEndedWithAStatus(outcomes);
            assertThat(client.put("after-fuzz", List.of(block)).getStored()).isEqualTo(1);
            assertThat(client.get("after-fuzz", List.of(block.getKey()))).containsExactly(block);
        }
    }
}

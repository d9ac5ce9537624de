package dev.specula.drafter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.service.error.InvalidRequestException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The drafter dials only the verifier replicas its configuration allows, and keeps a bounded set of channels. */
class VerifierChannelsTest {
    private final ManagedChannel configured = ManagedChannelBuilder.forTarget("verifier:9092").usePlaintext().build();
    private final List<ManagedChannel> dialled = new ArrayList<>();

    @AfterEach
    void close() {
        configured.shutdownNow();
        dialled.forEach(ManagedChannel::shutdownNow);
    }

    private ManagedChannel dial(String target) {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
        dialled.add(channel);
        return channel;
    }

    @Test
    void withoutAllowedPatternsOnlyTheConfiguredChannelIsUsed() {
        VerifierChannels channels = new VerifierChannels(configured, List.of(), this::dial, 4);
        assertThat(channels.channel("")).isSameAs(configured);
        assertThatThrownBy(() -> channels.channel("10.0.0.7:9092")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("not allowed by specula.drafter.routed-verifiers");
        assertThat(dialled).isEmpty();
    }

    @Test
    void anEndpointIsDialledOnlyWhenAPatternMatchesItWhole() {
        VerifierChannels channels = new VerifierChannels(configured, List.of("10.0.*:9092", "127.0.0.1:*"),
                this::dial, 4);
        assertThat(channels.channel("10.0.3.4:9092")).isSameAs(channels.channel("10.0.3.4:9092"));
        channels.channel("127.0.0.1:40000");
        assertThat(dialled).hasSize(2);
        for (String refused : List.of("10.0.3.4:9093", "evil.example:9092", "x10.0.3.4:9092", "127.0.0.2:1")) {
            assertThatThrownBy(() -> channels.channel(refused)).as(refused)
                    .isInstanceOf(InvalidRequestException.class);
        }
        assertThat(dialled).hasSize(2);
    }

    @Test
    void theLeastRecentlyUsedChannelIsShutDownBeyondTheBound() {
        VerifierChannels channels = new VerifierChannels(configured, List.of("*"), this::dial, 2);
        channels.channel("a:1");
        channels.channel("b:1");
        channels.channel("a:1"); // b is now the least recently used
        channels.channel("c:1");
        assertThat(dialled.get(1).isShutdown()).as("b").isTrue();
        assertThat(dialled.get(0).isShutdown()).as("a").isFalse();
        channels.close();
        assertThat(dialled).allSatisfy(c -> assertThat(c.isShutdown()).isTrue());
        assertThat(configured.isShutdown()).as("the configured channel belongs to the channel factory").isFalse();
    }
}

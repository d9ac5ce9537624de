package dev.specula.router.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.specula.router.discovery.Endpoint;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Replica choice: affinity, load, zone, failures, and channels following discovery's lists. */
class BackendPoolTest {
    private final List<ManagedChannel> dialled = new ArrayList<>();
    private final BackendPool pool = new BackendPool("verifier", address -> {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
        dialled.add(channel);
        return channel;
    }, CircuitBreakerRegistry.of(BackendBreakers.CONFIG));

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void aConversationKeepsItsVerifierAndConversationsSpreadOverReplicas() {
        pool.update(endpoints("a:1", "b:1", "c:1"));
        Set<String> chosen = new HashSet<>();
        for (int conversation = 0; conversation < 60; conversation++) {
            byte[] key = ("conversation " + conversation).getBytes(StandardCharsets.UTF_8);
            Backend first = pool.withAffinity(key, 8, Set.of());
            assertThat(pool.withAffinity(key, 8, Set.of())).isSameAs(first);
            chosen.add(first.address());
        }
        assertThat(chosen).containsExactlyInAnyOrder("a:1", "b:1", "c:1");
    }

    @Test
    void aBusyAffinityReplicaGivesWayToTheLeastLoaded() {
        pool.update(endpoints("a:1", "b:1"));
        byte[] key = "chat".getBytes(StandardCharsets.UTF_8);
        Backend home = pool.withAffinity(key, 2, Set.of());
        home.acquire();
        assertThat(pool.withAffinity(key, 2, Set.of())).isSameAs(home);
        home.acquire();
        Backend other = pool.withAffinity(key, 2, Set.of());
        assertThat(other).isNotSameAs(home);
        home.release();
        assertThat(pool.withAffinity(key, 2, Set.of())).isSameAs(home);
    }

    @Test
    void aVerifierReportingItselfSaturatedLosesItsAffinityAndTheLeastLoadedByReportIsChosen() {
        pool.update(endpoints("a:1", "b:1", "c:1"));
        byte[] key = "chat".getBytes(StandardCharsets.UTF_8);
        Backend home = pool.withAffinity(key, 8, Set.of());
        List<Backend> others = pool.backends().stream().filter(b -> b != home).toList();
        others.get(0).reported(new ReplicaLoad(0, 5, 0.2));
        others.get(1).reported(new ReplicaLoad(0, 1, 0.5));

        home.reported(new ReplicaLoad(0, 0, 0.95));
        assertThat(pool.withAffinity(key, 8, Set.of())).as("KV nearly all reserved").isSameAs(others.get(1));
        home.reported(new ReplicaLoad(2, 0, 0.5));
        assertThat(pool.withAffinity(key, 8, Set.of())).as("sessions waiting for memory").isSameAs(others.get(1));
        home.reported(new ReplicaLoad(0, 0, 0.5));
        assertThat(pool.withAffinity(key, 8, Set.of())).isSameAs(home);

        others.get(1).reported(new ReplicaLoad(1, 0, 0.1));
        home.reported(new ReplicaLoad(0, 9, 0.1));
        assertThat(pool.leastLoaded("", Set.of())).as("unsaturated first, then the shortest queue")
                .isSameAs(others.get(0));
    }

    @Test
    void aReplicaThatFailedARequestTakesNoNewWorkUntilItsBreakerLetsCallsThroughAgain() {
        pool.update(endpoints("a:1", "b:1"));
        Backend a = pool.backends().get(0);
        a.failed(1_000_000, new StatusRuntimeException(Status.UNAVAILABLE));
        for (int i = 0; i < 10; i++) {
            assertThat(pool.leastLoaded("", Set.of()).address()).isEqualTo("b:1");
        }
        a.probed(true);
        assertThat(a.available()).as("a passing probe does not override an open breaker").isFalse();
    }

    @Test
    void whenNoReplicaIsHealthyTheUntriedOnesAreStillUsedAndEveryOneFailedIsUnavailable() {
        pool.update(endpoints("a:1", "b:1"));
        pool.backends().forEach(b -> b.probed(false));
        Backend a = pool.backends().get(0);
        assertThat(pool.leastLoaded("", Set.of(a)).address()).isEqualTo("b:1");
        assertThatThrownBy(() -> pool.leastLoaded("", Set.copyOf(pool.backends())))
                .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("every verifier replica failed");
    }

    @Test
    void withNoReplicaHealthyOneWhoseProbeTimesOutIsPreferredToOneThatFailedARequest() {
        pool.update(endpoints("a:1", "b:1"));
        Backend a = pool.backends().get(0);
        Backend b = pool.backends().get(1);
        b.probed(false); // busy: its probe timed out
        a.probed(false);
        a.failed(1_000_000, new StatusRuntimeException(Status.UNAVAILABLE)); // killed mid-request
        byte[] key = "chat".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 10; i++) {
            assertThat(pool.leastLoaded("", Set.of())).isSameAs(b);
            assertThat(pool.withAffinity(("c" + i).getBytes(StandardCharsets.UTF_8), 8, Set.of())).isSameAs(b);
        }
        assertThat(pool.withAffinity(key, 8, Set.of(b))).as("the last resort").isSameAs(a);
    }

    @Test
    void drafterChoicePrefersTheRoutersZoneThenLoad() {
        pool.update(List.of(new Endpoint("a:1", "z1"), new Endpoint("b:1", "z2"), new Endpoint("c:1", "z2")));
        assertThat(pool.leastLoaded("z2", Set.of()).zone()).isEqualTo("z2");
        pool.backends().get(1).acquire();
        assertThat(pool.leastLoaded("z2", Set.of()).address()).isEqualTo("c:1");
        assertThat(pool.leastLoaded("z9", Set.of()).address()).as("no replica in the zone: least loaded")
                .isIn("a:1", "c:1");
    }

    @Test
    void updatesKeepLiveChannelsAndCloseTheOnesOfVanishedEndpoints() {
        pool.update(endpoints("a:1", "b:1"));
        Backend a = pool.backends().get(0);
        pool.update(endpoints("a:1", "c:1"));
        assertThat(pool.backends().get(0)).as("same replica, same channel").isSameAs(a);
        assertThat(dialled).hasSize(3);
        assertThat(dialled.get(1).isShutdown()).as("b's channel").isTrue();
        assertThat(dialled.get(0).isShutdown()).isFalse();
        pool.update(List.of());
        assertThatThrownBy(() -> pool.leastLoaded("", Set.of())).hasMessageContaining("no verifier endpoints");
    }

    private static List<Endpoint> endpoints(String... addresses) {
        return List.of(addresses).stream().map(a -> new Endpoint(a, "")).toList();
    }
}

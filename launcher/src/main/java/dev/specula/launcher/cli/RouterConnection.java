package dev.specula.launcher.cli;

import dev.specula.client.remote.RouterClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A plaintext loopback channel to the local mesh's router. */
public final class RouterConnection implements AutoCloseable {
    private final ManagedChannel channel;
    private final RouterClient client;

    public RouterConnection(int port) {
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        this.client = new RouterClient(channel, Duration.ofMinutes(10));
    }

    public RouterClient client() {
        return client;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

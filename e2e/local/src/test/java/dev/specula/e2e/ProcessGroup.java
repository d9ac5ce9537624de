package dev.specula.e2e;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The service processes of one test's mesh: started through it, awaited together, all stopped at the end, after
 * the channels opened to them.
 */
final class ProcessGroup implements AutoCloseable {
    private final List<ServiceProcess> processes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    ServiceProcess start(String name, String module, List<String> arguments) throws IOException {
        return add(ServiceProcess.start(name, module, arguments));
    }

    /** A new process in place of {@code previous}, on its ports. */
    ServiceProcess restart(ServiceProcess previous, String module, List<String> arguments) throws IOException {
        return add(ServiceProcess.restart(previous, module, arguments));
    }

    /** Waits until every process started so far is ready (at most 4 minutes each: the first start compiles). */
    void awaitReady() throws Exception {
        for (ServiceProcess p : processes) {
            p.awaitReady(Duration.ofMinutes(4));
        }
    }

    /** A plaintext channel to {@code process}'s gRPC port, shut down by {@link #close()}. */
    ManagedChannel channelTo(ServiceProcess process) {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(process.grpcAddress()).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (ServiceProcess p : processes) {
            p.close();
        }
    }

    private ServiceProcess add(ServiceProcess p) {
        processes.add(p);
        return p;
    }
}

package dev.specula.service.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * One service application started the way the launcher starts it (its own {@code <name>.yaml}, a free loopback
 * gRPC port learned from {@link GrpcServerStartedEvent}), with a plaintext channel to it. No HTTP server: the
 * tests talk gRPC only.
 *
 * <p>Properties go in as command-line arguments, which win over the service's yaml (builder properties would
 * be default properties, which the yaml overrides). With {@code spring.grpc.server.inprocess.name} among them the
 * service also serves in process, next to its network port. Shared by the services' tests (service-support's
 * test-jar).
 */
public record RunningService(ConfigurableApplicationContext context, ManagedChannel channel, int port)
        implements AutoCloseable {

    public static RunningService start(Class<?> application, String configName, Map<String, String> properties) {
        return start(application, configName, properties, List.of());
    }

    /** As above, with more application listeners (e.g. the graceful drain that deployments get). */
    public static RunningService start(Class<?> application, String configName, Map<String, String> properties,
                                       List<ApplicationListener<?>> listeners) {
        AtomicInteger port = new AtomicInteger(-1);
        ApplicationListener<?> portListener = event -> {
            // An in-process server (spring.grpc.server.inprocess.name) starts too and reports no port.
            if (event instanceof GrpcServerStartedEvent started && started.getPort() > 0) {
                port.set(started.getPort());
            }
        };
        List<String> args = new ArrayList<>(List.of(
                "--spring.config.name=" + configName,
                "--spring.grpc.server.address=127.0.0.1",
                "--spring.grpc.server.port=0",
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--spring.jmx.enabled=false",
                "--logging.level.root=WARN"));
        properties.forEach((key, value) -> args.add("--" + key + "=" + value));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .logStartupInfo(false)
                .listeners(portListener)
                .listeners(listeners.toArray(ApplicationListener[]::new))
                .run(args.toArray(String[]::new));
        if (port.get() <= 0) {
            context.close();
            throw new IllegalStateException(configName + " started but its gRPC server reported no port");
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port.get()).usePlaintext().build();
        return new RunningService(context, channel, port.get());
    }

    /** {@code static://127.0.0.1:<port>}, for another service's channel configuration. */
    public String target() {
        return "static://127.0.0.1:" + port;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            context.close();
        }
    }
}

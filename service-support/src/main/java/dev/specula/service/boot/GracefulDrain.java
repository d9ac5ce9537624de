package dev.specula.service.boot;

import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Graceful stop, step one: when the service is asked to stop (SIGTERM closes the context), every gRPC health
 * service turns NOT_SERVING at once and stays so, then the service keeps serving for a drain delay, so that
 * Kubernetes and clients stop sending new work before the server stops accepting it. Step two is the gRPC
 * server's own graceful shutdown ({@code spring.grpc.server.shutdown.grace-period}), which lets in-flight
 * streams finish and then ends the rest.
 *
 * <p>The delay is {@code specula.shutdown.drain-delay}; it is set for processes started through
 * {@link ServiceMain} (deployments), not for services hosted by the launcher or tests.
 */
public final class GracefulDrain implements ApplicationListener<ContextClosedEvent> {
    static final String DRAIN_DELAY = "specula.shutdown.drain-delay";
    private final Duration defaultDelay;

    public GracefulDrain(Duration defaultDelay) {
        this.defaultDelay = defaultDelay;
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        ApplicationContext context = event.getApplicationContext();
        HealthStatusManager health = context.getBeanProvider(HealthStatusManager.class).getIfAvailable();
        if (health == null) {
            return;
        }
        health.enterTerminalState();
        Duration delay = context.getEnvironment().getProperty(DRAIN_DELAY, Duration.class, defaultDelay);
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

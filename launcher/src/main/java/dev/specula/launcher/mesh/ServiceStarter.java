package dev.specula.launcher.mesh;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.grpc.server.lifecycle.GrpcServerStartedEvent;

/**
 * Starts one service's Spring application in this JVM with its own configuration file and properties, and
 * learns the port its gRPC server bound (port 0 = any free port).
 */
final class ServiceStarter {

    private ServiceStarter() {
    }

    static ServiceHandle start(String name, Class<?> application, Map<String, Object> properties) {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Map<String, Object> all = new HashMap<>();
        all.put("spring.config.name", name);
        all.put("spring.grpc.server.address", "127.0.0.1");
        all.put("spring.grpc.server.port", 0);
        all.put("server.address", "127.0.0.1");
        all.put("server.port", 0);
        all.put("spring.jmx.enabled", false);
        all.putAll(properties);
        // A property source of its own, ahead of everything: spring.config.name must be visible when config data
        // is located, which default properties are not.
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("specula-launcher-" + name, all));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .environment(environment)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .listeners((ApplicationListener<GrpcServerStartedEvent>) event -> port.complete(event.getPort()))
                .run();
        try {
            return new ServiceHandle(name, context, port.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            context.close();
            throw new IllegalStateException(name + " started but its gRPC server did not report a port", e);
        }
    }
}

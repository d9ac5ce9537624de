package dev.specula.service.boot;

import java.time.Duration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts a service that reads {@code <name>.yaml} instead of {@code application.yaml}. The all-in-one launcher
 * hosts all four services in one JVM, where four classpath files named {@code application.yaml} would shadow
 * each other; a distinct config name per service avoids that both there and when a service runs alone.
 */
public final class ServiceMain {

    /** How long a stopping service keeps serving after turning NOT_SERVING (see {@link GracefulDrain}). */
    static final Duration DRAIN_DELAY = Duration.ofSeconds(5);

    private ServiceMain() {
    }

    public static ConfigurableApplicationContext run(Class<?> application, String configName, String[] args) {
        String[] withConfigName = new String[args.length + 1];
        withConfigName[0] = "--spring.config.name=" + configName;
        System.arraycopy(args, 0, withConfigName, 1, args.length);
        return new SpringApplicationBuilder(application).listeners(new GracefulDrain(DRAIN_DELAY)).run(withConfigName);
    }
}

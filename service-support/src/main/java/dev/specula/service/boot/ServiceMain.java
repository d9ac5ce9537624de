package dev.specula.service.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts a service that reads {@code <name>.yaml} instead of {@code application.yaml}. The all-in-one launcher
 * hosts all four services in one JVM, where four classpath files named {@code application.yaml} would shadow
 * each other; a distinct config name per service avoids that both there and when a service runs alone.
 */
public final class ServiceMain {

    private ServiceMain() {
    }

    public static ConfigurableApplicationContext run(Class<?> application, String configName, String[] args) {
        String[] withConfigName = new String[args.length + 1];
        withConfigName[0] = "--spring.config.name=" + configName;
        System.arraycopy(args, 0, withConfigName, 1, args.length);
        return SpringApplication.run(application, withConfigName);
    }
}

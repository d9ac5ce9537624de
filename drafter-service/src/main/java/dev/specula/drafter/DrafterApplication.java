package dev.specula.drafter;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The drafter service: hosts the draft model and runs the speculation loop against a verifier. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DrafterApplication {
    /**
     * The service reads {@code drafter.yaml}, not {@code application.yaml}: the all-in-one launcher hosts all four
     * services in one JVM, where four classpath files of the same name would shadow each other.
     */
    public static final String CONFIG_NAME = "drafter";

    public static void main(String[] args) {
        String[] withConfigName = new String[args.length + 1];
        withConfigName[0] = "--spring.config.name=" + CONFIG_NAME;
        System.arraycopy(args, 0, withConfigName, 1, args.length);
        SpringApplication.run(DrafterApplication.class, withConfigName);
    }
}

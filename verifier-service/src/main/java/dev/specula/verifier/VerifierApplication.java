package dev.specula.verifier;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The verifier service: hosts the target model and checks drafts. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class VerifierApplication {
    /**
     * The service reads {@code verifier.yaml}, not {@code application.yaml}: the all-in-one launcher hosts all four
     * services in one JVM, where four classpath files of the same name would shadow each other.
     */
    public static final String CONFIG_NAME = "verifier";

    public static void main(String[] args) {
        String[] withConfigName = new String[args.length + 1];
        withConfigName[0] = "--spring.config.name=" + CONFIG_NAME;
        System.arraycopy(args, 0, withConfigName, 1, args.length);
        SpringApplication.run(VerifierApplication.class, withConfigName);
    }
}

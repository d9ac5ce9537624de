package dev.specula.verifier;

import dev.specula.service.boot.ServiceMain;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The verifier service: hosts the target model and checks drafts. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class VerifierApplication {
    /** Configuration file name: {@code verifier.yaml} (see {@link ServiceMain}). */
    public static final String CONFIG_NAME = "verifier";

    public static void main(String[] args) {
        ServiceMain.run(VerifierApplication.class, CONFIG_NAME, args);
    }
}

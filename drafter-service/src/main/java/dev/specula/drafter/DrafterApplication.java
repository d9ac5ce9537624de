package dev.specula.drafter;

import dev.specula.service.boot.ServiceMain;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The drafter service: hosts the draft model and runs the speculation loop against a verifier. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DrafterApplication {
    /** Configuration file name: {@code drafter.yaml} (see {@link ServiceMain}). */
    public static final String CONFIG_NAME = "drafter";

    public static void main(String[] args) {
        ServiceMain.run(DrafterApplication.class, CONFIG_NAME, args);
    }
}

package dev.specula.router;

import dev.specula.service.boot.ServiceMain;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The router: Specula's front door. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RouterApplication {
    /** Configuration file name: {@code router.yaml} (see {@link ServiceMain}). */
    public static final String CONFIG_NAME = "router";

    public static void main(String[] args) {
        ServiceMain.run(RouterApplication.class, CONFIG_NAME, args);
    }
}

package dev.specula.kvstore;

import dev.specula.service.boot.ServiceMain;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The KV store service. Scans only {@code dev.specula.kvstore} and holds no static state, so the all-in-one
 * launcher can start it next to the other services in one JVM.
 */
@SpringBootApplication
public class KvStoreApplication {
    /** Configuration file name: {@code kvstore.yaml} (see {@link ServiceMain}). */
    public static final String CONFIG_NAME = "kvstore";

    public static void main(String[] args) {
        ServiceMain.run(KvStoreApplication.class, CONFIG_NAME, args);
    }
}

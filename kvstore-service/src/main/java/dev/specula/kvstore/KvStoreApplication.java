package dev.specula.kvstore;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Entry point. Scans only {@code dev.specula.kvstore}, holds no static state, and takes all settings from its
 * environment, so the all-in-one launcher can start it next to the other services with
 * {@code new SpringApplicationBuilder(KvStoreApplication.class).properties(...)}.
 */
@SpringBootApplication
public class KvStoreApplication {

    public static void main(String[] args) {
        SpringApplication.run(KvStoreApplication.class, args);
    }
}

package dev.specula.launcher.mesh;

import org.springframework.context.ConfigurableApplicationContext;

/** One running service of the local mesh and the loopback port its gRPC server bound. */
public record ServiceHandle(String name, ConfigurableApplicationContext context, int grpcPort) implements AutoCloseable {

    public String target() {
        return "static://127.0.0.1:" + grpcPort;
    }

    @Override
    public void close() {
        context.close();
    }
}

package dev.specula.launcher.mesh;

import dev.specula.drafter.DrafterApplication;
import dev.specula.kvstore.KvStoreApplication;
import dev.specula.router.RouterApplication;
import dev.specula.verifier.VerifierApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The four services in one JVM on loopback ports, wired to each other exactly as separate processes would be:
 * real gRPC between them, nothing called directly. Started in dependency order, stopped in reverse.
 */
public final class LocalMesh implements AutoCloseable {
    private final List<ServiceHandle> services = new ArrayList<>();
    private final ServiceHandle router;
    private final ServiceHandle verifier;
    private final ServiceHandle drafter;

    private LocalMesh(MeshOptions options) {
        String log = options.logLevel();
        try {
            services.add(ServiceStarter.start("kvstore", KvStoreApplication.class, Map.of("logging.level.root", log)));
            verifier = add(ServiceStarter.start("verifier", VerifierApplication.class, Map.of(
                    "logging.level.root", log,
                    "specula.verifier.model-path", options.verifierModel().toString())));
            drafter = add(ServiceStarter.start("drafter", DrafterApplication.class, Map.of(
                    "logging.level.root", log,
                    "specula.drafter.model-path", options.drafterModel().toString(),
                    "spring.grpc.client.channel.verifier.target", verifier.target())));
            router = add(ServiceStarter.start("router", RouterApplication.class, Map.of(
                    "logging.level.root", log,
                    "specula.router.model-path", options.verifierModel().toString(),
                    "spring.grpc.server.port", options.routerGrpcPort(),
                    "server.port", options.routerHttpPort(),
                    "spring.grpc.client.channel.drafter.target", drafter.target(),
                    "spring.grpc.client.channel.verifier.target", verifier.target())));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static LocalMesh start(MeshOptions options) {
        return new LocalMesh(options);
    }

    private ServiceHandle add(ServiceHandle handle) {
        services.add(handle);
        return handle;
    }

    public ServiceHandle router() {
        return router;
    }

    public ServiceHandle verifier() {
        return verifier;
    }

    public ServiceHandle drafter() {
        return drafter;
    }

    /** Stops one service abruptly-ish (context close), e.g. to exercise fallback. */
    public void stop(ServiceHandle service) {
        service.close();
        services.remove(service);
    }

    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            try {
                services.get(i).close();
            } catch (RuntimeException ignored) {
                // keep stopping the others
            }
        }
        services.clear();
    }
}

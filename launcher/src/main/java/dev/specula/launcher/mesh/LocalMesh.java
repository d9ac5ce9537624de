package dev.specula.launcher.mesh;

import dev.specula.drafter.DrafterApplication;
import dev.specula.kvstore.KvStoreApplication;
import dev.specula.router.RouterApplication;
import dev.specula.verifier.VerifierApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The four services in one JVM on loopback ports, wired to each other exactly as separate processes would be:
 * real gRPC between them, nothing called directly. Started in dependency order, stopped in reverse.
 */
public final class LocalMesh implements AutoCloseable {
    private final List<ServiceHandle> services = new ArrayList<>();
    private final ServiceHandle router;
    private final ServiceHandle verifier;
    private final ServiceHandle drafter;
    private final ServiceHandle kvstore;

    private LocalMesh(MeshOptions options) {
        String log = options.logLevel();
        try {
            kvstore = add(ServiceStarter.start("kvstore", KvStoreApplication.class,
                    common(options, Map.of("logging.level.root", log))));
            Map<String, Object> verifierProperties = common(options, Map.of(
                    "logging.level.root", log,
                    "specula.verifier.model-path", options.verifierModel().toString(),
                    // Offload and restore of KV blocks (the verifier uses the store only when this is set).
                    "spring.grpc.client.channel.kvstore.target", kvstore.target()));
            verifierProperties.putAll(options.verifierProperties());
            verifier = add(ServiceStarter.start("verifier", VerifierApplication.class, verifierProperties));
            drafter = add(ServiceStarter.start("drafter", DrafterApplication.class, common(options, Map.of(
                    "logging.level.root", log,
                    "specula.drafter.model-path", options.drafterModel().toString(),
                    "spring.grpc.client.channel.verifier.target", verifier.target()))));
            router = add(ServiceStarter.start("router", RouterApplication.class, common(options, Map.of(
                    "logging.level.root", log,
                    "specula.router.model-path", options.verifierModel().toString(),
                    "spring.grpc.server.port", options.routerGrpcPort(),
                    "server.port", options.routerHttpPort(),
                    "spring.grpc.client.channel.drafter.target", drafter.target(),
                    "spring.grpc.client.channel.verifier.target", verifier.target()))));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The options' properties for every service, then this service's own (which win). */
    private static Map<String, Object> common(MeshOptions options, Map<String, Object> own) {
        Map<String, Object> all = new HashMap<>(options.serviceProperties());
        all.putAll(own);
        return all;
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

    /** The loopback port of the router's OpenAI-compatible HTTP API ({@code server.port}). */
    public int routerHttpPort() {
        return ((WebServerApplicationContext) router.context()).getWebServer().getPort();
    }

    public ServiceHandle kvstore() {
        return kvstore;
    }

    /**
     * The KV store alone on a loopback port (e.g. for its throughput benchmark), configured like the mesh's.
     * The caller closes it.
     */
    public static ServiceHandle startKvStore(String logLevel, Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.putIfAbsent("logging.level.root", logLevel);
        return ServiceStarter.start("kvstore", KvStoreApplication.class, all);
    }

    /**
     * One more router in front of this mesh's drafter and verifier, on ephemeral ports, with extra properties
     * (e.g. API keys). The caller closes it.
     */
    public ServiceHandle startRouter(Path servedModel, String logLevel, Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(properties);
        all.putIfAbsent("logging.level.root", logLevel);
        all.putIfAbsent("spring.grpc.server.port", 0);
        all.putIfAbsent("server.port", 0);
        all.put("specula.router.model-path", servedModel.toString());
        all.put("spring.grpc.client.channel.drafter.target", drafter.target());
        all.put("spring.grpc.client.channel.verifier.target", verifier.target());
        return ServiceStarter.start("router", RouterApplication.class, all);
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

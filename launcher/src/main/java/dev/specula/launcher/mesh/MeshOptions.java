package dev.specula.launcher.mesh;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * How to run the local mesh.
 *
 * @param drafterModel   draft model folder
 * @param verifierModel  target model folder
 * @param routerGrpcPort 0 = any free port
 * @param routerHttpPort 0 = any free port
 * @param logLevel       root log level of the services (WARN keeps the CLI's output readable)
 * @param verifierProperties extra {@code specula.verifier.*} (or any) properties of the verifier, e.g. engine
 *                       knobs for a benchmark; they win over the verifier's yaml
 * @param serviceProperties extra properties of all four services (e.g. tracing); they win over the yamls, and the
 *                       per-service ones win over them
 */
public record MeshOptions(Path drafterModel, Path verifierModel, int routerGrpcPort, int routerHttpPort,
                          String logLevel, Map<String, String> verifierProperties,
                          Map<String, String> serviceProperties) {

    public MeshOptions {
        verifierProperties = Map.copyOf(verifierProperties);
        serviceProperties = Map.copyOf(serviceProperties);
    }

    public MeshOptions(Path drafterModel, Path verifierModel, int routerGrpcPort, int routerHttpPort, String logLevel,
                       Map<String, String> verifierProperties) {
        this(drafterModel, verifierModel, routerGrpcPort, routerHttpPort, logLevel, verifierProperties, Map.of());
    }

    public MeshOptions(Path drafterModel, Path verifierModel, int routerGrpcPort, int routerHttpPort, String logLevel) {
        this(drafterModel, verifierModel, routerGrpcPort, routerHttpPort, logLevel, Map.of());
    }

    public MeshOptions withPorts(int grpc, int http) {
        return new MeshOptions(drafterModel, verifierModel, grpc, http, logLevel, verifierProperties,
                serviceProperties);
    }

    /** These options plus one more verifier property. */
    public MeshOptions withVerifierProperty(String key, String value) {
        Map<String, String> properties = new HashMap<>(verifierProperties);
        properties.put(key, value);
        return new MeshOptions(drafterModel, verifierModel, routerGrpcPort, routerHttpPort, logLevel, properties,
                serviceProperties);
    }

    /** These options plus one more property of every service. */
    public MeshOptions withServiceProperty(String key, String value) {
        Map<String, String> properties = new HashMap<>(serviceProperties);
        properties.put(key, value);
        return new MeshOptions(drafterModel, verifierModel, routerGrpcPort, routerHttpPort, logLevel,
                verifierProperties, properties);
    }
}

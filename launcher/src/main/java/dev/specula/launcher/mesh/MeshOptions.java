package dev.specula.launcher.mesh;

import java.nio.file.Path;

/**
 * How to run the local mesh.
 *
 * @param drafterModel   draft model folder
 * @param verifierModel  target model folder
 * @param routerGrpcPort 0 = any free port
 * @param routerHttpPort 0 = any free port
 * @param logLevel       root log level of the services (WARN keeps the CLI's output readable)
 */
public record MeshOptions(Path drafterModel, Path verifierModel, int routerGrpcPort, int routerHttpPort,
                          String logLevel) {

    public static MeshOptions bundled(Path repoRoot) {
        return new MeshOptions(repoRoot.resolve("models/bundled/drafter"), repoRoot.resolve("models/bundled/verifier"),
                0, 0, "WARN");
    }

    public MeshOptions withPorts(int grpc, int http) {
        return new MeshOptions(drafterModel, verifierModel, grpc, http, logLevel);
    }
}

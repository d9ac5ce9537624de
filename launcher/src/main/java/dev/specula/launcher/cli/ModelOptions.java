package dev.specula.launcher.cli;

import dev.specula.launcher.mesh.MeshOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Which model pair the local mesh serves: the bundled pair unless told otherwise. */
public final class ModelOptions {

    @Option(names = "--drafter-model", description = "Draft model folder (default: models/bundled/drafter).")
    Path drafter;

    @Option(names = "--verifier-model", description = "Target model folder (default: models/bundled/verifier).")
    Path verifier;

    @Option(names = "--log-level", defaultValue = "WARN", description = "Services' log level (default: ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(names = "--verifier-property", paramLabel = "KEY=VALUE",
            description = "Extra verifier setting, repeatable (e.g. specula.verifier.batching=false); a key without a "
                    + "dot is a specula.verifier setting (prefix-cache-bytes=0).")
    Map<String, String> verifierProperties = new LinkedHashMap<>();

    public MeshOptions meshOptions() {
        Path root = SpeculaHome.root();
        return new MeshOptions(
                drafter != null ? drafter : root.resolve("models/bundled/drafter"),
                verifier != null ? verifier : root.resolve("models/bundled/verifier"),
                0, 0, logLevel, qualified(verifierProperties));
    }

    /**
     * Keys without a dot are read as {@code specula.verifier.*} settings. Spring ignores a property nobody binds,
     * so {@code prefix-cache-bytes=0} on its own would otherwise change nothing, silently.
     */
    static Map<String, String> qualified(Map<String, String> properties) {
        Map<String, String> qualified = new LinkedHashMap<>();
        properties.forEach((key, value) -> qualified.put(key.contains(".") ? key : "specula.verifier." + key, value));
        return qualified;
    }
}

package dev.specula.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The Helm chart under test, rendered with the Helm library that helm-java embeds (no helm binary, no cluster).
 * Renders are cached per (values file, --set pairs): Helm runs in-process through JNA and each render costs ~100 ms.
 */
final class Chart {

    static final String RELEASE = "specula";
    static final String NAMESPACE = "specula-test";
    /** helm-java's default capabilities claim Kubernetes 1.20; the chart needs >= 1.27 (gRPC probes GA). */
    static final String KUBE_VERSION = "1.31.0";

    private static final Map<String, Manifests> CACHE = new ConcurrentHashMap<>();

    private Chart() {
    }

    static Path repoRoot() {
        String root = System.getProperty("specula.repo.root");
        Path path = root != null ? Path.of(root) : Path.of("..");
        return path.toAbsolutePath().normalize();
    }

    static Path dir() {
        return repoRoot().resolve("helm/specula");
    }

    /** Every {@code ci/*-values.yaml} file, sorted: the chart must lint and render with each. */
    static List<Path> ciValuesFiles() {
        try (Stream<Path> files = Files.list(dir().resolve("ci"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-values.yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path ciValues(String name) {
        return dir().resolve("ci").resolve(name);
    }

    /** {@code helm lint --strict} (helm-java's lint takes no values file: the ci files are covered by render()). */
    static LintResult lint() {
        return new Helm(dir()).lint().strict().call();
    }

    /** Renders the chart; {@code sets} are key=value pairs as with {@code helm template --set}. */
    static Manifests render(Path valuesFile, String... sets) {
        return render(dir(), valuesFile, sets);
    }

    static Manifests render(Path chartDir, Path valuesFile, String... sets) {
        String key = chartDir + "|" + valuesFile + "|" + String.join(",", sets);
        return CACHE.computeIfAbsent(key, k -> Manifests.parse(renderText(chartDir, valuesFile, sets)));
    }

    static String renderText(Path chartDir, Path valuesFile, String... sets) {
        return renderText(chartDir, NAMESPACE, valuesFile, sets);
    }

    static String renderText(Path chartDir, String namespace, Path valuesFile, String... sets) {
        TemplateCommand template = new Helm(chartDir).template()
                .withName(RELEASE)
                .withNamespace(namespace)
                .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String set : sets) {
            int eq = set.indexOf('=');
            pairs.put(set.substring(0, eq), set.substring(eq + 1));
        }
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            template = template.set(pair.getKey(), pair.getValue());
        }
        return template.call();
    }

    /**
     * Renders the {@code helm test} hooks too. {@code helm template} as embedded by helm-java returns the release
     * manifest only (hooks are kept apart), so this renders a copy of the chart whose hook annotations are removed.
     */
    static Manifests renderWithTestHooks(Path valuesFile, Path scratch) {
        try {
            Path copy = scratch.resolve("specula");
            try (Stream<Path> files = Files.walk(dir())) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(dir().relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (source.getParent().getFileName().toString().equals("tests")) {
                        String text = Files.readString(source)
                                .replaceAll("(?m)^\\s*helm\\.sh/hook(-delete-policy)?:.*\\R", "");
                        Files.writeString(target, text);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            return Manifests.parse(renderText(copy, valuesFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

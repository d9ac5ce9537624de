package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every {@code SPECULA_*} environment variable the chart sets must bind to a property of the services: Spring Boot
 * ignores a variable that matches nothing, so a misspelt or never-implemented setting would otherwise do nothing,
 * silently. The properties are read from the Java sources: each {@code @ConfigurationProperties("prefix")} record's
 * components, kebab-cased, recursing into component types that are records themselves (e.g.
 * {@code specula.kvstore.disk.path}, {@code specula.router.policy.length-mode}).
 */
class SpringBindingTest {

    private static final Pattern CONFIGURATION_PROPERTIES = Pattern.compile(
            "@ConfigurationProperties\\(\\s*(?:(?:value|prefix)\\s*=\\s*)?\"([^\"]+)\"[^)]*\\)([\\s\\S]*?)\\brecord\\s+(\\w+)");
    private static final Pattern RECORD = Pattern.compile("\\brecord\\s+(\\w+)\\s*(?:<[^>]*>)?\\s*\\(");
    private static final Pattern ANNOTATION = Pattern.compile(
            "@[\\w.]+(?:\\s*\\((?:[^()\"]|\"(?:[^\"\\\\]|\\\\.)*\")*\\))?");
    private static final Pattern ENV_NAME_IN_TEMPLATE = Pattern.compile("name:\\s*\"?(SPECULA_[A-Z0-9_]+)");

    /** Record simple name -> its components (name -> type), over the main sources of every module. */
    private static Map<String, Map<String, String>> records;
    /** {@code @ConfigurationProperties} prefix -> record simple name. */
    private static Map<String, String> roots;

    @BeforeAll
    static void readSources() throws IOException {
        records = new TreeMap<>();
        roots = new TreeMap<>();
        try (Stream<Path> modules = Files.list(Chart.repoRoot())) {
            for (Path module : modules.filter(Files::isDirectory).sorted().toList()) {
                Path main = module.resolve("src/main/java");
                if (!Files.isDirectory(main)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(main)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        parse(stripComments(Files.readString(file)));
                    }
                }
            }
        }
    }

    @Test
    void everySpeculaVariableTheChartSetsBindsToAProperty() {
        Set<String> properties = bindableProperties();
        Set<String> unbound = new TreeSet<>();
        for (String env : chartVariables()) {
            if (properties.stream().noneMatch(p -> binds(env, p))) {
                unbound.add(env);
            }
        }
        assertThat(unbound).as("SPECULA_* variables that bind to no @ConfigurationProperties component "
                + "(known: %s)", properties).isEmpty();
    }

    /** Guards the test itself: the sources were found and the binding rule matches what Spring does. */
    @Test
    void theSourceScanAndTheBindingRuleWork() {
        assertThat(roots).containsKeys("specula.router", "specula.drafter", "specula.verifier", "specula.kvstore");
        Set<String> properties = bindableProperties();
        assertThat(properties).contains("specula.verifier.max-sessions", "specula.verifier.kv-budget-bytes",
                "specula.kvstore.disk.path", "specula.kvstore.redis.uri", "specula.router.policy.length-mode",
                "specula.drafter.intra-op-threads");
        assertThat(binds("SPECULA_VERIFIER_MAX_SESSIONS", "specula.verifier.max-sessions")).isTrue();
        assertThat(binds("SPECULA_VERIFIER_MAXSESSIONS", "specula.verifier.max-sessions")).isTrue();
        assertThat(binds("SPECULA_KVSTORE_DISK_PATH", "specula.kvstore.disk.path")).isTrue();
        assertThat(binds("SPECULA_VERIFIER_DTYPE", "specula.verifier.max-sessions")).isFalse();
        assertThat(binds("SPECULA_VERIFIER_MAX_SESSION", "specula.verifier.max-sessions")).isFalse();
        assertThat(properties.stream().anyMatch(p -> binds("SPECULA_VERIFIER_EXECUTION_PROVIDER", p))).isFalse();
        assertThat(chartVariables()).contains("SPECULA_VERIFIER_MAX_SESSIONS", "SPECULA_KVSTORE_REDIS_URI",
                "SPECULA_KVSTORE_DISK_PATH", "SPECULA_ROUTER_MODEL_PATH", "SPECULA_DRAFTER_ROUND_TIMEOUT");
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * Spring Boot's SystemEnvironmentPropertyMapper: a property maps to its elements upper-cased and joined with
     * '_', each element either without its dashes or with them turned into '_' (the legacy form).
     */
    static boolean binds(String env, String property) {
        String uniform = property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
        String legacy = property.replace('-', '_').replace('.', '_').toUpperCase(Locale.ROOT);
        return env.equals(uniform) || env.equals(legacy);
    }

    /** The SPECULA_* names the chart can set: written in its templates, and rendered with every values file. */
    static Set<String> chartVariables() {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Chart.dir().resolve("templates"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Matcher m = ENV_NAME_IN_TEMPLATE.matcher(Files.readString(file));
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Manifests> renders = new ArrayList<>();
        for (Path values : Chart.ciValuesFiles()) {
            renders.add(Chart.render(values));
        }
        renders.add(Chart.render(Chart.repoRoot().resolve("k8s/base-values.yaml")));
        renders.add(Chart.render(Chart.repoRoot().resolve("e2e/kind/values-kind.yaml")));
        renders.add(Chart.render(null, "edgeDrafter.enabled=true", "kvstore.redis.existingSecret=specula-redis"));
        for (Manifests manifests : renders) {
            manifests.podTemplates().values().forEach(pod -> {
                for (V1Container c : ManifestPolicyTest.allContainers(pod.getSpec())) {
                    if (c.getEnv() == null) {
                        continue;
                    }
                    c.getEnv().stream().map(V1EnvVar::getName).filter(n -> n.startsWith("SPECULA_")).forEach(names::add);
                }
            });
        }
        return names;
    }

    /** Every leaf property of the @ConfigurationProperties records, kebab-cased. */
    static Set<String> bindableProperties() {
        Set<String> out = new TreeSet<>();
        roots.forEach((prefix, record) -> expand(prefix, record, out, new TreeSet<>()));
        return out;
    }

    private static void expand(String prefix, String record, Set<String> out, Set<String> seen) {
        if (!seen.add(record)) {
            return;
        }
        records.get(record).forEach((name, type) -> {
            String property = prefix + "." + kebab(name);
            String simple = type.replaceAll("<.*", "").replaceAll(".*\\.", "").trim();
            if (records.containsKey(simple)) {
                expand(property, simple, out, new TreeSet<>(seen));
            } else {
                out.add(property);
            }
        });
    }

    private static void parse(String source) {
        Matcher root = CONFIGURATION_PROPERTIES.matcher(source);
        while (root.find()) {
            if (!root.group(2).matches("(?s).*\\b(class|interface|enum)\\s.*")) {
                roots.put(root.group(1), root.group(3));
            }
        }
        Matcher m = RECORD.matcher(source);
        while (m.find()) {
            int open = m.end() - 1;
            int depth = 0;
            int close = -1;
            for (int i = open; i < source.length(); i++) {
                char c = source.charAt(i);
                if (c == '"') {
                    int j = i + 1;
                    while (j < source.length() && source.charAt(j) != '"') {
                        j += source.charAt(j) == '\\' ? 2 : 1;
                    }
                    i = j;
                } else if (c == '(') {
                    depth++;
                } else if (c == ')' && --depth == 0) {
                    close = i;
                    break;
                }
            }
            if (close > 0) {
                // Two records of one simple name (in different packages): keep the union, a slightly wider allowance.
                records.merge(m.group(1), components(source.substring(open + 1, close)), (a, b) -> {
                    a.putAll(b);
                    return a;
                });
            }
        }
    }

    private static Map<String, String> components(String header) {
        String plain = ANNOTATION.matcher(header).replaceAll(" ");
        Map<String, String> out = new LinkedHashMap<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= plain.length(); i++) {
            char c = i < plain.length() ? plain.charAt(i) : ',';
            if (c == '<') {
                depth++;
            } else if (c == '>') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String part = plain.substring(start, i).replaceAll("\\bfinal\\b", "").trim();
                start = i + 1;
                if (part.isEmpty()) {
                    continue;
                }
                int space = part.lastIndexOf(' ');
                if (space > 0) {
                    out.put(part.substring(space + 1).trim(), part.substring(0, space).trim());
                }
            }
        }
        return out;
    }

    /** Removes comments (Javadoc mentions records and annotations too), keeping string and char literals intact. */
    private static String stripComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            if (source.startsWith("\"\"\"", i)) {
                int end = source.indexOf("\"\"\"", i + 3);
                end = end < 0 ? n : end + 3;
                out.append(source, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && source.charAt(j) != c && source.charAt(j) != '\n') {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                int end = Math.min(n, j + 1);
                out.append(source, i, end);
                i = end;
            } else if (source.startsWith("//", i)) {
                int end = source.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                int end = source.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}

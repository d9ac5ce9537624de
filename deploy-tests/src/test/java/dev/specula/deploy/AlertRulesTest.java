package dev.specula.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code metrics.prometheusRule} renders Specula's alerts for the degraded modes it survives (RELIABILITY.md #5,
 * #11, #25, #2, #1, #4). An alert on a metric nobody exports never fires, so every metric an expression reads must
 * be one our services register.
 */
class AlertRulesTest {
    private static final Pattern METRIC = Pattern.compile("\\(([a-z_:]+)(?:\\{[^}]*})?(?:\\[[^]]*])?\\)");

    @Test
    void noRuleUnlessAsked() {
        assertThat(Chart.render(null).ofKind("PrometheusRule")).isEmpty();
    }

    @Test
    void theAlertsCarryTheConfiguredLabelsHoldTimeAndSeverity() {
        Manifests.Manifest rule = Chart.render(null, "metrics.prometheusRule.enabled=true",
                "metrics.prometheusRule.labels.release=kube-prometheus", "metrics.prometheusRule.for=3m",
                "metrics.prometheusRule.severity=page").ofKind("PrometheusRule").get(0);

        assertThat(rule.labels()).containsEntry("release", "kube-prometheus");
        assertThat(alerts(rule)).extracting(alert -> (String) alert.get("alert")).containsExactly(
                "SpeculaVerifierPreempting", "SpeculaKvStoreTierDegraded", "SpeculaVerifierStoreFallbacks",
                "SpeculaDrafterMissingDeadline", "SpeculaRouterFailovers", "SpeculaRouterRefusingRequests");
        assertThat(alerts(rule)).allSatisfy(alert -> {
            assertThat(alert.get("for")).isEqualTo("3m");
            assertThat(alert.get("labels")).isEqualTo(Map.of("severity", "page"));
        });
    }

    @Test
    void everyAlertReadsAMetricOurServicesRegister() throws IOException {
        Manifests.Manifest rule = Chart.render(null, "metrics.prometheusRule.enabled=true")
                .ofKind("PrometheusRule").get(0);
        String sources = mainSources();
        for (Map<String, Object> alert : alerts(rule)) {
            Matcher metric = METRIC.matcher((String) alert.get("expr"));
            assertThat(metric.find()).as("a metric in " + alert.get("alert")).isTrue();
            // Meters are named with underscores or Micrometer's dots; Prometheus shows both with underscores.
            String registered = metric.group(1).replaceAll("_total$", "");
            assertThat(sources.contains("\"" + registered + "\"")
                    || sources.contains("\"" + registered.replace('_', '.') + "\""))
                    .as(alert.get("alert") + " reads " + registered).isTrue();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> alerts(Manifests.Manifest rule) {
        Map<String, Object> spec = (Map<String, Object>) rule.raw().get("spec");
        List<Map<String, Object>> groups = (List<Map<String, Object>>) spec.get("groups");
        return (List<Map<String, Object>>) groups.get(0).get("rules");
    }

    /** The services' main Java sources, where meters are registered by name. */
    private static String mainSources() throws IOException {
        StringBuilder all = new StringBuilder();
        for (String service : List.of("router-service", "drafter-service", "verifier-service", "kvstore-service")) {
            Path main = Chart.repoRoot().resolve(service).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    all.append(Files.readString(file));
                }
            }
        }
        return all.toString();
    }
}

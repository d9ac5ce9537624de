package dev.specula.deploy;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.util.ModelMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Rendered manifests. Each document is kept twice: as the raw map (for label/field checks that apply to every
 * kind, custom resources included) and, for built-in kinds, as the official client's model object
 * ({@code io.kubernetes.client.util.Yaml}), so that checks read typed fields and a manifest that does not
 * deserialise fails the build.
 */
record Manifests(List<Manifest> all) {

    /** One rendered object. {@code typed} is empty for custom resources (ServiceMonitor, ScaledObject, ...). */
    record Manifest(Map<String, Object> raw, String text, Optional<KubernetesObject> typed) {

        String kind() {
            return (String) raw.get("kind");
        }

        String apiVersion() {
            return (String) raw.get("apiVersion");
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> metadata() {
            return (Map<String, Object>) raw.getOrDefault("metadata", Map.of());
        }

        String name() {
            return (String) metadata().get("name");
        }

        @SuppressWarnings("unchecked")
        Map<String, String> labels() {
            Object labels = metadata().get("labels");
            return labels == null ? Map.of() : (Map<String, String>) labels;
        }

        String component() {
            return labels().get("app.kubernetes.io/component");
        }

        <T> T as(Class<T> type) {
            return type.cast(typed.orElseThrow(() -> new AssertionError(kind() + " " + name() + " is not typed")));
        }

        @Override
        public String toString() {
            return kind() + "/" + name();
        }
    }

    static Manifests parse(String rendered) {
        Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Yaml dumper = new Yaml(options);
        List<Manifest> out = new ArrayList<>();
        for (Object doc : yaml.loadAll(rendered)) {
            if (doc == null) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> raw = (Map<String, Object>) doc;
            String text = dumper.dump(raw);
            String apiVersion = Objects.requireNonNull((String) raw.get("apiVersion"), "apiVersion missing:\n" + text);
            String kind = Objects.requireNonNull((String) raw.get("kind"), "kind missing:\n" + text);
            Optional<KubernetesObject> typed = Optional.empty();
            Class<?> model = ModelMapper.getApiTypeClass(apiVersion, kind);
            if (model != null && model.getPackageName().equals("io.kubernetes.client.openapi.models")) {
                try {
                    typed = Optional.of((KubernetesObject) io.kubernetes.client.util.Yaml.load(text));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + kind + " as a Kubernetes model object", e);
                }
            }
            out.add(new Manifest(raw, text, typed));
        }
        return new Manifests(List.copyOf(out));
    }

    Stream<Manifest> stream() {
        return all.stream();
    }

    List<Manifest> ofKind(String kind) {
        return all.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    <T> List<T> ofType(Class<T> type) {
        return all.stream().flatMap(m -> m.typed().stream()).filter(type::isInstance).map(type::cast).toList();
    }

    Optional<Manifest> find(String kind, String component) {
        return all.stream().filter(m -> m.kind().equals(kind) && component.equals(m.component())).findFirst();
    }

    Manifest get(String kind, String component) {
        return find(kind, component).orElseThrow(() -> new AssertionError("no " + kind + " for " + component));
    }

    /** Pod templates of the workloads, keyed by their component label. */
    Map<String, V1PodTemplateSpec> podTemplates() {
        Map<String, V1PodTemplateSpec> out = new java.util.TreeMap<>();
        for (Manifest m : all) {
            if (m.typed().orElse(null) instanceof V1Deployment d) {
                out.put(m.component(), d.getSpec().getTemplate());
            } else if (m.typed().orElse(null) instanceof V1StatefulSet s) {
                out.put(m.component(), s.getSpec().getTemplate());
            }
        }
        return out;
    }

    V1Container container(String component) {
        V1PodTemplateSpec pod = podTemplates().get(component);
        if (pod == null) {
            throw new AssertionError("no workload for " + component);
        }
        return pod.getSpec().getContainers().get(0);
    }

    static String env(V1Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .map(e -> e.getValue()).orElse(null);
    }
}

package dev.specula.launcher.testing;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A test auto-configuration (listed in this module's test {@code AutoConfiguration.imports}): every service
 * started with {@code specula.test.span-exporter=name} gets a {@link SpanExporter} bean feeding the in-memory
 * exporter of that name. Spring Boot's tracing exports to every SpanExporter bean, so the spans of all four
 * services of one mesh land in one place, as they would in one collector. Without the property it adds nothing.
 */
@AutoConfiguration
@ConditionalOnProperty(CollectingSpanExporter.PROPERTY)
public class CollectingSpanExporter {
    public static final String PROPERTY = "specula.test.span-exporter";
    private static final Map<String, InMemorySpanExporter> EXPORTERS = new ConcurrentHashMap<>();

    /** The exporter of the services started with {@code specula.test.span-exporter=name}. */
    public static InMemorySpanExporter named(String name) {
        return EXPORTERS.computeIfAbsent(name, n -> InMemorySpanExporter.create());
    }

    @Bean
    SpanExporter collectingSpanExporter(Environment environment) {
        InMemorySpanExporter shared = named(environment.getRequiredProperty(PROPERTY));
        // Not the shared exporter itself: each service's tracer provider shuts its exporters down when the service
        // stops, and the first to stop must not end collection for the others.
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return shared.export(spans);
            }

            @Override
            public CompletableResultCode flush() {
                return shared.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }
}

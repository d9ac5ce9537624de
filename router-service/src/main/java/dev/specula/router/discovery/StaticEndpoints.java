package dev.specula.router.discovery;

import java.util.List;
import java.util.function.Consumer;

/** Endpoints from configuration (outside Kubernetes): the list never changes; health checks still apply. */
public final class StaticEndpoints implements EndpointSource {
    private final List<Endpoint> endpoints;

    public StaticEndpoints(List<Endpoint> endpoints) {
        this.endpoints = List.copyOf(endpoints);
    }

    /** host:port strings, with an optional zone after an {@code @}: {@code 10.0.0.5:9092@eu-west-1a}. */
    public static StaticEndpoints parse(List<String> addresses) {
        return new StaticEndpoints(addresses.stream().map(a -> {
            int at = a.indexOf('@');
            return at < 0 ? new Endpoint(a.trim(), "") : new Endpoint(a.substring(0, at).trim(), a.substring(at + 1));
        }).toList());
    }

    @Override
    public void start(Consumer<List<Endpoint>> listener) {
        listener.accept(endpoints);
    }

    @Override
    public void close() {
    }
}

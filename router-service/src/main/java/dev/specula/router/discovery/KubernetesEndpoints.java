package dev.specula.router.discovery;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Ready endpoints of one role inside Kubernetes, from the EndpointSlices that match a label selector in one
 * namespace, through the official client's shared informer (list, then watch; it re-lists and re-watches on its
 * own after a dropped connection, and resyncs periodically). Only endpoints whose {@code ready} condition is not
 * false and that are not terminating count, with the port named {@code portName}.
 */
public final class KubernetesEndpoints implements EndpointSource {
    private final SharedInformerFactory factory;
    private final SharedIndexInformer<V1EndpointSlice> informer;
    private final String portName;

    /**
     * @param client        API client (in cluster: {@code ClientBuilder.cluster()}); its read timeout must be 0
     *                      for watches
     * @param labelSelector e.g. {@code app.kubernetes.io/component=verifier,app.kubernetes.io/instance=specula};
     *                      EndpointSlices carry their Service's labels, so the Service's selector labels work here
     */
    public KubernetesEndpoints(ApiClient client, String namespace, String labelSelector, String portName,
                               Duration resync) {
        this.portName = portName;
        this.factory = new SharedInformerFactory(client);
        DiscoveryV1Api api = new DiscoveryV1Api(client);
        this.informer = factory.sharedIndexInformerFor(params -> api.listNamespacedEndpointSlice(namespace)
                        .labelSelector(labelSelector)
                        .resourceVersion(params.resourceVersion)
                        .watch(params.watch)
                        .timeoutSeconds(params.timeoutSeconds)
                        .buildCall(null),
                V1EndpointSlice.class, V1EndpointSliceList.class, resync.toMillis());
    }

    @Override
    public void start(Consumer<List<Endpoint>> listener) {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1EndpointSlice slice) {
                listener.accept(current());
            }

            @Override
            public void onUpdate(V1EndpointSlice before, V1EndpointSlice after) {
                listener.accept(current());
            }

            @Override
            public void onDelete(V1EndpointSlice slice, boolean finalStateUnknown) {
                listener.accept(current());
            }
        });
        factory.startAllRegisteredInformers();
    }

    /** The ready endpoints over every slice the informer holds, sorted and without duplicates. */
    List<Endpoint> current() {
        List<Endpoint> endpoints = new ArrayList<>();
        for (V1EndpointSlice slice : informer.getIndexer().list()) {
            endpoints.addAll(readyEndpoints(slice, portName));
        }
        return endpoints.stream().distinct().sorted(Comparator.comparing(Endpoint::address)).toList();
    }

    static List<Endpoint> readyEndpoints(V1EndpointSlice slice, String portName) {
        Integer port = slice.getPorts() == null ? null : slice.getPorts().stream()
                .filter(p -> Objects.equals(p.getName(), portName))
                .map(DiscoveryV1EndpointPort::getPort)
                .filter(Objects::nonNull)
                .findFirst().orElse(null);
        if (port == null || slice.getEndpoints() == null) {
            return List.of();
        }
        List<Endpoint> ready = new ArrayList<>();
        for (V1Endpoint endpoint : slice.getEndpoints()) {
            var conditions = endpoint.getConditions();
            // The API defines a missing ready condition as ready; terminating endpoints drain, they take no work.
            boolean isReady = conditions == null || !Boolean.FALSE.equals(conditions.getReady());
            boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
            if (!isReady || terminating || endpoint.getAddresses() == null) {
                continue;
            }
            for (String address : endpoint.getAddresses()) {
                String host = address.contains(":") ? "[" + address + "]" : address;
                ready.add(new Endpoint(host + ":" + port, endpoint.getZone()));
            }
        }
        return ready;
    }

    @Override
    public void close() {
        factory.stopAllRegisteredInformers();
    }
}

package dev.specula.router.discovery;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where the router learns the ready replicas of one backend role. Every change delivers the whole current list
 * (not a diff), so a listener that missed an update is corrected by the next one.
 */
public interface EndpointSource extends AutoCloseable {

    /** Starts watching; {@code listener} gets the current list now or soon, then every change. */
    void start(Consumer<List<Endpoint>> listener);

    @Override
    void close();
}

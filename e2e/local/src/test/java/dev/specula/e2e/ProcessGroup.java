package dev.specula.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The service processes of one test's mesh: started through it, awaited together, all stopped at the end. */
final class ProcessGroup implements AutoCloseable {
    private final List<ServiceProcess> processes = new ArrayList<>();

    ServiceProcess start(String name, String module, List<String> arguments) throws IOException {
        return add(ServiceProcess.start(name, module, arguments));
    }

    /** A new process in place of {@code previous}, on its ports. */
    ServiceProcess restart(ServiceProcess previous, String module, List<String> arguments) throws IOException {
        return add(ServiceProcess.restart(previous, module, arguments));
    }

    /** Waits until every process started so far is ready (at most 4 minutes each: the first start compiles). */
    void awaitReady() throws Exception {
        for (ServiceProcess p : processes) {
            p.awaitReady(Duration.ofMinutes(4));
        }
    }

    @Override
    public void close() throws InterruptedException {
        for (ServiceProcess p : processes) {
            p.close();
        }
    }

    private ServiceProcess add(ServiceProcess p) {
        processes.add(p);
        return p;
    }
}

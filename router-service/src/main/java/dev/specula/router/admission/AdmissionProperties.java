package dev.specula.router.admission;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Global admission of the front doors ({@code specula.router.admission.*}): one bound shared by gRPC
 * {@code Router/Generate} and the HTTP API, whatever the API key (RELIABILITY.md #4).
 *
 * @param maxInFlight  generations running at once over both doors
 * @param maxQueued    generations waiting for a slot; one more is refused at once. Kept well below the servlet
 *                     thread pool (200): a queued HTTP request holds a servlet thread while it waits, and the
 *                     health probes need one too
 * @param queueTimeout longest wait for a slot (the queue's TTL); a request still waiting then is refused
 */
@ConfigurationProperties("specula.router.admission")
public record AdmissionProperties(@DefaultValue("256") int maxInFlight, @DefaultValue("64") int maxQueued,
                                  @DefaultValue("10s") Duration queueTimeout) {

    public AdmissionProperties {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("specula.router.admission: max-in-flight >= 1 and max-queued >= 0"
                    + " needed");
        }
        if (queueTimeout == null || queueTimeout.isNegative()) {
            throw new IllegalArgumentException("specula.router.admission.queue-timeout must be >= 0");
        }
    }
}

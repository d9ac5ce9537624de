package dev.specula.router.backend;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;

/** The circuit breaker every backend replica gets. */
public final class BackendBreakers {

    /**
     * Only lost-backend failures are recorded (refusals of a request say nothing about the replica), so one is
     * enough to stop sending it new work: open after a single failure among the last few calls, probe again with
     * one call after 5 s (health checks usually confirm a recovery sooner).
     */
    public static final CircuitBreakerConfig CONFIG = CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(4)
            .minimumNumberOfCalls(1)
            .failureRateThreshold(25)
            .waitDurationInOpenState(Duration.ofSeconds(5))
            .permittedNumberOfCallsInHalfOpenState(1)
            .automaticTransitionFromOpenToHalfOpenEnabled(true)
            .build();

    private BackendBreakers() {
    }
}

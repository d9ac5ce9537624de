package dev.specula.kvstore.tier.redis;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis tier's circuit breaker: opens when at least half of the last 10 calls failed (and at least
 * {@value #MINIMUM_CALLS} were made, so a cold start with Redis down opens it after {@value #MINIMUM_CALLS} misses),
 * stays open for the configured wait, then lets exactly one call probe Redis. Transitions are logged, one line each,
 * not one per failed call.
 */
final class RedisBreaker {

    static final int MINIMUM_CALLS = 4;

    private static final Logger log = LoggerFactory.getLogger(RedisBreaker.class);

    private RedisBreaker() {
    }

    /** @param target host and port for log lines (never the URI: it may hold a password) */
    static CircuitBreaker create(RedisSettings settings, String target) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(MINIMUM_CALLS)
                .failureRateThreshold(50)
                .waitDurationInOpenState(settings.breakerWait())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false) // no timer thread: the next call probes
                .clock(settings.clock())
                .build();
        CircuitBreaker breaker = CircuitBreaker.of("kvstore-redis", config);
        breaker.getEventPublisher().onStateTransition(event -> {
            switch (event.getStateTransition().getToState()) {
                case OPEN -> log.warn("Redis tier {} unreachable: circuit OPEN, lookups are misses for {} s",
                        target, settings.breakerWait().toSeconds());
                case CLOSED -> log.info("Redis tier {} reachable again: circuit CLOSED", target);
                default -> log.debug("Redis tier circuit {}", event.getStateTransition());
            }
        });
        return breaker;
    }
}

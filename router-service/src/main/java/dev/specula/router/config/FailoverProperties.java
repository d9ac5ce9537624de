package dev.specula.router.config;

import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Resuming requests whose backend failed mid-generation ({@code specula.router.failover.*}).
 *
 * @param maxResumes   resumes one request may make (each on replicas it has not seen fail); 0 = never resume
 * @param stallTimeout a backend silent this long between two events counts as failed (the request resumes)
 * @param budgetRatio  resumes earned per request, across all requests (retry budget)
 * @param budgetCap    resumes the budget can save up
 */
public record FailoverProperties(@DefaultValue("3") int maxResumes, @DefaultValue("15s") Duration stallTimeout,
                                 @DefaultValue("0.2") double budgetRatio, @DefaultValue("20") int budgetCap) {

    public static final FailoverProperties DEFAULTS = new FailoverProperties(3, Duration.ofSeconds(15), 0.2, 20);

    public FailoverProperties {
        if (maxResumes < 0 || stallTimeout.isNegative() || stallTimeout.isZero() || budgetRatio < 0
                || budgetCap < 1) {
            throw new IllegalArgumentException("specula.router.failover: max-resumes >= 0, stall-timeout > 0, "
                    + "budget-ratio >= 0, budget-cap >= 1");
        }
    }
}

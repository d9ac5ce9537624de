package dev.specula.edge;

import dev.specula.client.verify.Reconnect;
import dev.specula.core.policy.SpeculationPlan;
import java.time.Duration;

/**
 * How an edge client speculates.
 *
 * @param plan          draft lengths (fixed, or adaptive: the goodput policy learns the round trip and the
 *                      acceptance rate and picks k for them); the draft source is always the local model
 * @param pipelineDepth rounds in flight at once: 1 waits for each verdict, 2 drafts the next round while one
 *                      is being verified (worth it once the round trip dwarfs a verifier forward)
 * @param roundTimeout  longest wait for one verdict before the link counts as dropped
 * @param reconnect     how a dropped session is resumed
 * @param intraOpThreads ONNX Runtime threads for the local drafter (0 = auto: one thread for a small model, else all cores)
 * @param draftStepDeadline the most a round waits for the local draft (0 = no deadline): a late round goes to the
 *                      verifier without a draft (lossless) and a drafter that keeps missing is backed off, so a
 *                      device that is busy elsewhere costs about target-only speed, not a stalled answer
 */
public record EdgeOptions(SpeculationPlan plan, int pipelineDepth, Duration roundTimeout, Reconnect reconnect,
                          int intraOpThreads, Duration draftStepDeadline) {
    public static final EdgeOptions DEFAULTS = new EdgeOptions(SpeculationPlan.DEFAULTS, 2, Duration.ofSeconds(30),
            Reconnect.DEFAULT, 1, Duration.ofMillis(50));

    public EdgeOptions {
        if (pipelineDepth < 1 || pipelineDepth > 4) {
            throw new IllegalArgumentException("pipeline depth must be in 1..4, got " + pipelineDepth);
        }
        if (roundTimeout.isNegative() || roundTimeout.isZero()) {
            throw new IllegalArgumentException("round timeout must be positive");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intra-op threads must be >= 0");
        }
        if (draftStepDeadline.isNegative()) {
            throw new IllegalArgumentException("draft step deadline must be >= 0 (0 = none)");
        }
    }

    /** The options before the draft step deadline existed: 50 ms. */
    public EdgeOptions(SpeculationPlan plan, int pipelineDepth, Duration roundTimeout, Reconnect reconnect,
                       int intraOpThreads) {
        this(plan, pipelineDepth, roundTimeout, reconnect, intraOpThreads, Duration.ofMillis(50));
    }

    public EdgeOptions withPipelineDepth(int depth) {
        return new EdgeOptions(plan, depth, roundTimeout, reconnect, intraOpThreads, draftStepDeadline);
    }

    public EdgeOptions withPlan(SpeculationPlan newPlan) {
        return new EdgeOptions(newPlan, pipelineDepth, roundTimeout, reconnect, intraOpThreads, draftStepDeadline);
    }

    public EdgeOptions withReconnect(Reconnect newReconnect) {
        return new EdgeOptions(plan, pipelineDepth, roundTimeout, newReconnect, intraOpThreads, draftStepDeadline);
    }

    /** @param deadline the most a round waits for its draft; {@link Duration#ZERO} = no deadline */
    public EdgeOptions withDraftStepDeadline(Duration deadline) {
        return new EdgeOptions(plan, pipelineDepth, roundTimeout, reconnect, intraOpThreads, deadline);
    }
}

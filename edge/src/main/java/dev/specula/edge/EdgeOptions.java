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
 * @param intraOpThreads ONNX Runtime threads for the local drafter (0 = the runtime's default)
 */
public record EdgeOptions(SpeculationPlan plan, int pipelineDepth, Duration roundTimeout, Reconnect reconnect,
                          int intraOpThreads) {
    public static final EdgeOptions DEFAULTS = new EdgeOptions(SpeculationPlan.DEFAULTS, 2, Duration.ofSeconds(30),
            Reconnect.DEFAULT, 1);

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
    }

    public EdgeOptions withPipelineDepth(int depth) {
        return new EdgeOptions(plan, depth, roundTimeout, reconnect, intraOpThreads);
    }

    public EdgeOptions withPlan(SpeculationPlan newPlan) {
        return new EdgeOptions(newPlan, pipelineDepth, roundTimeout, reconnect, intraOpThreads);
    }

    public EdgeOptions withReconnect(Reconnect newReconnect) {
        return new EdgeOptions(plan, pipelineDepth, roundTimeout, newReconnect, intraOpThreads);
    }
}

package dev.specula.proto.mapping;

import dev.specula.core.loop.FinishReason;
import dev.specula.core.loop.LoopStats;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.sampling.SparseDistribution;
import dev.specula.proto.v1.SpeculationStats;

/**
 * Maps between the specula.v1 messages and the core domain types. Used only at service and client edges.
 * Invalid input throws {@link IllegalArgumentException}, which the services map to INVALID_ARGUMENT.
 */
public final class ProtoMapping {

    private ProtoMapping() {
    }

    /** Proto sampling parameters to the domain; unset top_p (0) means disabled. Invalid values → INVALID_ARGUMENT. */
    public static SamplingParams sampling(dev.specula.proto.v1.SamplingParams proto) {
        double topP = proto.getTopP() == 0.0 ? 1.0 : proto.getTopP();
        try {
            return new SamplingParams(proto.getTemperature(), proto.getTopK(), topP, proto.getSeed());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    public static dev.specula.proto.v1.SamplingParams sampling(SamplingParams params) {
        return dev.specula.proto.v1.SamplingParams.newBuilder()
                .setTemperature(params.temperature())
                .setTopK(params.topK())
                .setTopP(params.topP())
                .setSeed(params.seed())
                .build();
    }

    public static dev.specula.proto.v1.SparseDistribution distribution(SparseDistribution distribution) {
        var builder = dev.specula.proto.v1.SparseDistribution.newBuilder();
        for (int i = 0; i < distribution.size(); i++) {
            builder.addTokenIds(distribution.token(i)).addProbs(distribution.prob(i));
        }
        return builder.build();
    }

    /**
     * Proto distribution to the domain, bounds-checked against the vocabulary.
     *
     * @throws IllegalArgumentException on mismatched lengths, ids outside [0, vocab), or non-positive probabilities
     */
    public static SparseDistribution distribution(dev.specula.proto.v1.SparseDistribution proto, int vocab) {
        int n = proto.getTokenIdsCount();
        if (n == 0 || n != proto.getProbsCount() || n > vocab) {
            throw new IllegalArgumentException("draft distribution needs 1.." + vocab + " (token, prob) pairs, got "
                    + n + " ids and " + proto.getProbsCount() + " probs");
        }
        int[] tokens = new int[n];
        float[] probs = new float[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            tokens[i] = checkToken(proto.getTokenIds(i), vocab);
            probs[i] = proto.getProbs(i);
            if (!(probs[i] > 0f) || probs[i] > 1.0001f) {
                throw new IllegalArgumentException("draft probability must be in (0, 1], got " + probs[i]);
            }
            sum += probs[i];
        }
        if (Math.abs(sum - 1.0) > 1e-3) {
            throw new IllegalArgumentException("draft probabilities must sum to 1, got " + sum);
        }
        return new SparseDistribution(tokens, probs);
    }

    public static int checkToken(int token, int vocab) {
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + vocab + ")");
        }
        return token;
    }

    public static int[] tokens(java.util.List<Integer> ids, int vocab) {
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = checkToken(ids.get(i), vocab);
        }
        return out;
    }

    public static SpeculationStats stats(LoopStats stats) {
        var builder = SpeculationStats.newBuilder()
                .setRounds(stats.rounds())
                .setDrafts(stats.drafts())
                .setDraftTokens(stats.draftTokens())
                .setAcceptedTokens(stats.acceptedTokens())
                .setAcceptanceRate(stats.acceptanceRate())
                .setMeanAcceptanceLength(stats.meanAcceptanceLength())
                .setMeanDraftLength(stats.meanDraftLength())
                .setZeroDraftRounds(stats.zeroDraftRounds())
                .setDraftLengthChanges(stats.draftLengthChanges())
                .setUnverifiedTokens(stats.unverifiedTokens())
                .setModelSwitches(stats.modelSwitches())
                .setLargeModelTokenFraction(stats.largeModelTokenFraction());
        long[] perPosition = stats.acceptedPerPosition();
        int last = perPosition.length;
        while (last > 0 && perPosition[last - 1] == 0) {
            last--;
        }
        for (int i = 0; i < last; i++) {
            builder.addAcceptedPerPosition(perPosition[i]);
        }
        return builder.build();
    }

    public static dev.specula.proto.v1.FinishReason finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP -> dev.specula.proto.v1.FinishReason.FINISH_REASON_STOP;
            case LENGTH -> dev.specula.proto.v1.FinishReason.FINISH_REASON_LENGTH;
            case CANCELLED -> dev.specula.proto.v1.FinishReason.FINISH_REASON_CANCELLED;
        };
    }
}

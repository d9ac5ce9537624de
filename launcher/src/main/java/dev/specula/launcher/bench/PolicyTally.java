package dev.specula.launcher.bench;

import dev.specula.client.remote.PolicyReport;
import dev.specula.client.remote.RemoteResult;
import java.util.LinkedHashMap;
import java.util.Map;

/** What one arm's generations reported, summed: tokens, speculation counters and the policies' decisions. */
final class PolicyTally {
    private long generations;
    private long tokens;
    private double seconds;
    private long rounds;
    private long drafts;
    private long draftTokens;
    private long acceptedTokens;
    private long zeroDraftRounds;
    private long draftLengthChanges;
    private long unverifiedTokens;
    private long modelSwitches;
    private long escalations;
    private long ngramDrafts;

    synchronized void add(RemoteResult result) {
        PolicyReport policy = result.policy();
        generations++;
        tokens += result.completionTokens();
        seconds += result.elapsedSeconds();
        rounds += policy.rounds();
        drafts += result.drafts();
        draftTokens += result.draftTokens();
        acceptedTokens += result.acceptedTokens();
        zeroDraftRounds += policy.zeroDraftRounds();
        draftLengthChanges += policy.draftLengthChanges();
        unverifiedTokens += policy.unverifiedTokens();
        modelSwitches += policy.modelSwitches();
        escalations += policy.escalations();
        ngramDrafts += policy.ngramDrafts();
    }

    /** Tokens over router-measured seconds, summed over generations (one at a time: the single-stream rate). */
    synchronized double tokensPerSecond() {
        return seconds == 0 ? 0 : tokens / seconds;
    }

    synchronized long tokens() {
        return tokens;
    }

    synchronized double acceptanceRate() {
        return draftTokens == 0 ? 0 : (double) acceptedTokens / draftTokens;
    }

    synchronized double meanAcceptedLength() {
        return drafts == 0 ? 1 : 1 + (double) acceptedTokens / drafts;
    }

    /** Drafted tokens per verification round, plain steps included: the mean k the policies chose. */
    synchronized double meanDraftLength() {
        return rounds == 0 ? 0 : (double) draftTokens / rounds;
    }

    synchronized double largeModelTokenFraction() {
        return tokens == 0 ? 1 : 1 - (double) unverifiedTokens / tokens;
    }

    synchronized double escalationRate() {
        return generations == 0 ? 0 : (double) escalations / generations;
    }

    /** The counters as report columns. */
    synchronized Map<String, Object> columns() {
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("acceptance_rate", acceptanceRate());
        columns.put("mean_accepted_length", meanAcceptedLength());
        columns.put("mean_k", meanDraftLength());
        columns.put("zero_k_rounds", zeroDraftRounds);
        columns.put("k_changes", draftLengthChanges);
        columns.put("ngram_drafts", ngramDrafts);
        return columns;
    }
}

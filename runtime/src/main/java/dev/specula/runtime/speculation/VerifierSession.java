package dev.specula.runtime.speculation;

import dev.specula.core.loop.Draft;
import dev.specula.core.loop.VerifierChannel;
import dev.specula.core.sampling.SamplingParams;
import dev.specula.core.verify.DraftVerifier;
import dev.specula.core.verify.Verdict;
import dev.specula.runtime.decoder.DecoderModel;
import dev.specula.runtime.decoder.DecoderSession;
import java.util.Arrays;
import java.util.Objects;

/**
 * A target model as a {@link VerifierChannel}: the per-session logic of the verifier service, and the
 * in-process baseline of the benchmarks.
 *
 * <p>Invariant between rounds: the KV cache holds the committed tokens except the last one — the
 * <em>pending</em> token, whose logits row predicts the first drafted position. A round feeds, in ONE
 * forward, the committed tokens not yet in the cache (the prompt on the first round, unchecked context in
 * entropy-adaptive mode), the pending token and the k drafts; the last k + 1 logits rows go to
 * {@link DraftVerifier} with firstPosition = committed length. Afterwards the cache is truncated to the new
 * committed length minus one: accepted drafts stay cached, rejected ones are rolled back, and the
 * recovered-or-bonus token becomes the new pending token.
 *
 * <p>Worked example, prompt [a b c], draft [x y z], verdict accepted 2 + recovered r: the first round feeds
 * [a b c x y z] (6 tokens, rows 2..5 are verified), commits [a b c x y r], and truncates the cache to 5
 * tokens [a b c x y]; the next round feeds [r, drafts...].
 *
 * <p>A failed round (bad token id, context overflow, model error) throws and changes nothing, so the caller
 * may retry with a shorter draft. Not thread-safe: one stream at a time.
 *
 * <p>Forwards go through a {@link ForwardExecutor}: directly on the caller's thread by default, or through the
 * verifier's batching scheduler. The KV can be {@linkplain #detachKv() detached} while the session idles (its
 * memory freed or offloaded) and {@linkplain #attachKv re-attached} later holding any prefix of the committed
 * tokens, even none: the committed sequence alone is enough to recompute the rest.
 */
public final class VerifierSession implements VerifierChannel {
    private final DecoderModel model;
    private final ForwardExecutor forward;
    private final SamplingParams params;
    private final int vocab;
    private DecoderSession kv;
    private int[] committed;
    private int committedLength;

    private VerifierSession(DecoderSession kv, int[] prompt, SamplingParams params, ForwardExecutor forward) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token (e.g. BOS)");
        }
        this.model = kv.model();
        this.forward = Objects.requireNonNull(forward, "forward");
        this.params = params;
        this.vocab = model.vocabSize();
        this.committed = Arrays.copyOf(prompt, Math.max(64, prompt.length * 2));
        this.committedLength = prompt.length;
        attachKv(kv);
    }

    /** Opens a session on {@code prompt}; the prompt is prefilled with the first round's forward. */
    public static VerifierSession open(DecoderModel target, int[] prompt, SamplingParams params) {
        return open(target, prompt, params, ForwardExecutor.DIRECT);
    }

    /** {@link #open(DecoderModel, int[], SamplingParams)} with forwards run by {@code forward}. */
    public static VerifierSession open(DecoderModel target, int[] prompt, SamplingParams params,
                                       ForwardExecutor forward) {
        DecoderSession kv = target.newSession();
        try {
            return new VerifierSession(kv, prompt, params, forward);
        } catch (RuntimeException e) {
            kv.close();
            throw e;
        }
    }

    /**
     * Resumes on a session whose KV already holds a prefix of {@code prompt} (restored from the KV store); the
     * rest is prefilled with the first round. The caller guarantees the prefix; this session takes ownership.
     */
    public static VerifierSession resume(DecoderSession restored, int[] prompt, SamplingParams params) {
        return resume(restored, prompt, params, ForwardExecutor.DIRECT);
    }

    /** {@link #resume(DecoderSession, int[], SamplingParams)} with forwards run by {@code forward}. */
    public static VerifierSession resume(DecoderSession restored, int[] prompt, SamplingParams params,
                                         ForwardExecutor forward) {
        return new VerifierSession(restored, prompt, params, forward);
    }

    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft) {
        if (kv == null) {
            throw new IllegalStateException("the session's KV is detached; attach a restored cache first");
        }
        int cached = kv.length();
        int n = committedLength + uncheckedContext.length;
        int k = draft.length();
        int[] feed = new int[n - cached + k];
        int at = 0;
        for (int i = cached; i < committedLength; i++) {
            feed[at++] = committed[i];
        }
        System.arraycopy(uncheckedContext, 0, feed, at, uncheckedContext.length);
        at += uncheckedContext.length;
        System.arraycopy(draft.tokens(), 0, feed, at, k);
        float[] logits = forward.forwardLast(kv, feed, k + 1);
        Verdict verdict;
        try {
            verdict = DraftVerifier.verify(draft, logits, vocab, params, n);
        } catch (RuntimeException e) {
            kv.truncate(cached);
            throw e;
        }
        append(uncheckedContext, uncheckedContext.length);
        append(draft.tokens(), verdict.accepted());
        append(new int[] {verdict.nextToken()}, 1);
        kv.truncate(committedLength - 1);
        return verdict;
    }

    /**
     * The round, then up to {@code extraPlainSteps} plain rounds (no draft) in a row, as one verdict whose
     * {@link Verdict#extraTokens()} are their tokens: exactly what the caller sending those rounds would get.
     */
    @Override
    public Verdict verify(int[] uncheckedContext, Draft draft, int extraPlainSteps) {
        return VerifierChannel.verifyThenPlainSteps(this, uncheckedContext, draft, extraPlainSteps);
    }

    /** The committed sequence (prompt + generated) as this verifier sees it. */
    public int[] committed() {
        return Arrays.copyOf(committed, committedLength);
    }

    public int committedLength() {
        return committedLength;
    }

    /** The committed tokens [0, length) without copying the whole sequence; a fresh array. */
    public int[] committedPrefix(int length) {
        if (length < 0 || length > committedLength) {
            throw new IllegalArgumentException("prefix of " + length + " tokens, " + committedLength + " committed");
        }
        return Arrays.copyOf(committed, length);
    }

    /**
     * Tokens in the KV cache: committed length − 1 after each round (the pending token is not cached); 0 while
     * the KV is detached.
     */
    public int cachedLength() {
        return kv == null ? 0 : kv.length();
    }

    /** The underlying KV session, e.g. to export blocks to the KV store; null while detached. */
    public DecoderSession kvSession() {
        return kv;
    }

    public DecoderModel model() {
        return model;
    }

    public boolean hasKv() {
        return kv != null;
    }

    /**
     * Takes the KV session away (the caller exports and closes it), e.g. to free an idle session's memory. The
     * committed tokens stay; {@link #attachKv} gives the session a cache again before its next round.
     */
    public DecoderSession detachKv() {
        if (kv == null) {
            throw new IllegalStateException("the session's KV is already detached");
        }
        DecoderSession detached = kv;
        kv = null;
        return detached;
    }

    /**
     * Gives a detached session a KV cache holding a prefix of the committed tokens (restored from a cache, or
     * empty); the next round recomputes whatever is missing. The caller guarantees the prefix; a longer cache
     * is cut to committed length − 1. This session takes ownership.
     */
    public void attachKv(DecoderSession restored) {
        if (kv != null) {
            throw new IllegalStateException("the session already has a KV cache");
        }
        if (restored.model() != model) {
            throw new IllegalArgumentException("the KV belongs to " + restored.model().folder() + ", not "
                    + model.folder());
        }
        if (restored.length() > committedLength - 1) {
            restored.truncate(committedLength - 1);
        }
        kv = restored;
    }

    @Override
    public void close() {
        if (kv != null) {
            kv.close();
        }
    }

    private void append(int[] tokens, int count) {
        if (committedLength + count > committed.length) {
            committed = Arrays.copyOf(committed, Math.max(committedLength + count, committed.length * 2));
        }
        System.arraycopy(tokens, 0, committed, committedLength, count);
        committedLength += count;
    }
}

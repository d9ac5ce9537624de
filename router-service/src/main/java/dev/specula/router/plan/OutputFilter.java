package dev.specula.router.plan;

import dev.specula.core.loop.FinishReason;
import dev.specula.runtime.tokenizer.StreamingDetokenizer;
import dev.specula.runtime.tokenizer.TextTokenizer;
import java.util.Arrays;

/**
 * Applies a request's {@link OutputOptions} to the generated tokens, token by token, before any front door sees
 * them: extra stop token ids, stop strings (vLLM semantics: the text is cut before the first match, the match
 * itself is kept only with {@code include_stop_str_in_output}, and while streaming the last
 * {@code longest stop string - 1} characters are held back so a match never needs taking back), and one chunk per
 * token when asked. A stop ends the backend generation (the sink answers false) and the completion then reads
 * {@link FinishReason#STOP} with the tokens up to and including the one that completed the stop.
 *
 * <p>Not thread-safe: one per generation.
 */
final class OutputFilter implements GenerationSink {
    private final OutputOptions options;
    private final GenerationSink downstream;
    private final StreamingDetokenizer detokenizer;
    private final int holdBack;
    /** The output text so far (cut at a stop string once matched). */
    private final StringBuilder text = new StringBuilder();
    /** Characters of {@link #text} already given downstream. */
    private int released;
    private int tokens;
    private boolean stopped;
    private boolean clientGone;

    private OutputFilter(OutputOptions options, TextTokenizer tokenizer, GenerationSink downstream) {
        this.options = options;
        this.downstream = downstream;
        this.detokenizer = tokenizer.newDetokenizer();
        int longest = options.stopStrings().stream().mapToInt(String::length).max().orElse(0);
        this.holdBack = options.includeStopString() ? 0 : Math.max(0, longest - 1);
    }

    /** {@code downstream} itself when the request has nothing to filter. */
    static GenerationSink wrap(GenerationRequest request, TextTokenizer tokenizer, GenerationSink downstream) {
        return request.output().passThrough() ? downstream
                : new OutputFilter(request.output(), tokenizer, downstream);
    }

    @Override
    public boolean chunk(Chunk chunk) {
        if (stopped || clientGone) {
            return false;
        }
        int[] ids = chunk.tokenIds();
        StringBuilder roundText = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            tokens++;
            String piece;
            if (options.isStopToken(id)) {
                // The stop token's own text is not output (vLLM), whatever was held back is.
                stopped = true;
                piece = release(text.length());
            } else {
                int before = text.length();
                text.append(detokenizer.push(id));
                int end = matchStop(before);
                if (end >= 0) {
                    stopped = true;
                    text.setLength(end);
                    piece = release(end);
                } else {
                    piece = release(safeEnd());
                }
            }
            if (options.tokenChunks()) {
                if (!emit(new int[] {id}, piece)) {
                    return false;
                }
            } else {
                roundText.append(piece);
            }
            if (stopped) {
                if (!options.tokenChunks()) {
                    emit(Arrays.copyOf(ids, i + 1), roundText.toString());
                }
                return false;
            }
        }
        return options.tokenChunks() || ids.length == 0 || emit(ids, roundText.toString());
    }

    @Override
    public void complete(Completion completion) {
        if (stopped) {
            downstream.complete(new Completion(completion.mode(), FinishReason.STOP, completion.promptTokens(), tokens,
                    completion.stats(), completion.fallbackReason(), completion.elapsedSeconds(), completion.cachedTokens()));
            return;
        }
        if (!clientGone && completion.finishReason() != FinishReason.CANCELLED) {
            int before = text.length();
            text.append(detokenizer.flush());
            int end = matchStop(before);
            if (end >= 0) {
                text.setLength(end);
            }
            String rest = release(text.length());
            if (!rest.isEmpty()) {
                emit(new int[0], rest);
            }
        }
        downstream.complete(completion);
    }

    /** End (exclusive) of the output when a stop string now matches, else -1. Only new text can complete one. */
    private int matchStop(int before) {
        int best = -1;
        int bestEnd = -1;
        for (String stop : options.stopStrings()) {
            int at = text.indexOf(stop, Math.max(0, before - stop.length() + 1));
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
                bestEnd = options.includeStopString() ? at + stop.length() : at;
            }
        }
        return bestEnd;
    }

    /** How far text can be released without giving away the start of a possible stop string. */
    private int safeEnd() {
        int end = Math.max(released, text.length() - holdBack);
        if (end > released && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private String release(int end) {
        if (end <= released) {
            return "";
        }
        String piece = text.substring(released, end);
        released = end;
        return piece;
    }

    private boolean emit(int[] ids, String piece) {
        if (!downstream.chunk(new Chunk(ids, piece))) {
            clientGone = true;
            return false;
        }
        return true;
    }
}

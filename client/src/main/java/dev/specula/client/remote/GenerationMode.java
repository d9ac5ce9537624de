package dev.specula.client.remote;

/** What to run for a request; see the router's documentation of modes. */
public enum GenerationMode {
    SPECULATIVE,
    TARGET_ONLY,
    DRAFT_ONLY,
    /** Lossy, opt-in: the small model's sure tokens commit unverified. */
    ENTROPY_ADAPTIVE,
    /** The small model answers; an unsure answer escalates to the verifier. */
    CASCADE;

    /** Parses "speculative", "target-only", "draft-only", "entropy-adaptive", "cascade" (any case, '_' or '-'). */
    public static GenerationMode parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "speculative" -> SPECULATIVE;
            case "target-only" -> TARGET_ONLY;
            case "draft-only" -> DRAFT_ONLY;
            case "entropy-adaptive" -> ENTROPY_ADAPTIVE;
            case "cascade" -> CASCADE;
            default -> throw new IllegalArgumentException("unknown mode '" + text
                    + "': use speculative, target-only or draft-only, or the lossy opt-in entropy-adaptive or cascade");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

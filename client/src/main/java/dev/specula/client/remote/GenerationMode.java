package dev.specula.client.remote;

/** What to run for a request; see the router's documentation of modes. */
public enum GenerationMode {
    SPECULATIVE,
    TARGET_ONLY,
    DRAFT_ONLY;

    /** Parses "speculative", "target-only", "draft-only" (case-insensitive, '_' or '-'). */
    public static GenerationMode parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT).replace('_', '-')) {
            case "speculative" -> SPECULATIVE;
            case "target-only" -> TARGET_ONLY;
            case "draft-only" -> DRAFT_ONLY;
            default -> throw new IllegalArgumentException("unknown mode '" + text
                    + "': use speculative, target-only or draft-only");
        };
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

package dev.specula.router.plan;

/** Tokens committed by one round, with their text (never a partial UTF-8 character). */
public record Chunk(int[] tokenIds, String text) {
}

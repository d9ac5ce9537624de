package dev.specula.edge;

/** Receives text as tokens commit; returns false to stop generating. */
@FunctionalInterface
public interface TextListener {
    boolean onText(String text);

    TextListener IGNORE = text -> true;
}

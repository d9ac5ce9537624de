package dev.specula.drafter.engine;

import dev.specula.core.loop.DraftSource;

/**
 * Wraps each generation's draft source before the step deadline does, e.g. to inject faults into drafting in
 * tests (a slow or hanging draft step). Optional bean; without one the sources are used as they are.
 */
@FunctionalInterface
public interface DraftSourceDecorator {

    DraftSourceDecorator NONE = source -> source;

    DraftSource decorate(DraftSource source);
}

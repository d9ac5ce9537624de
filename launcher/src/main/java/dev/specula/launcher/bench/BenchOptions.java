package dev.specula.launcher.bench;

import dev.specula.launcher.mesh.MeshOptions;

/**
 * Knobs shared by the scenarios.
 *
 * @param prompts     held-out prompts per arm
 * @param maxTokens   tokens generated per prompt (fixed length: end-of-sequence is ignored)
 * @param draftLength fixed k of the speculative arms
 * @param promptChars approximate prompt length
 * @param engine      knobs of the serving-engine scenarios
 * @param policy      knobs of the speculation-policy scenarios
 * @param edge        knobs of the edge-rtt scenario
 */
record BenchOptions(MeshOptions mesh, int prompts, int maxTokens, int draftLength, int promptChars,
                    EngineBenchOptions engine, PolicyBenchOptions policy, EdgeBenchOptions edge) {

    BenchOptions(MeshOptions mesh, int prompts, int maxTokens, int draftLength, int promptChars,
                 EngineBenchOptions engine, PolicyBenchOptions policy) {
        this(mesh, prompts, maxTokens, draftLength, promptChars, engine, policy, EdgeBenchOptions.defaults());
    }

    BenchOptions(MeshOptions mesh, int prompts, int maxTokens, int draftLength, int promptChars,
                 EngineBenchOptions engine) {
        this(mesh, prompts, maxTokens, draftLength, promptChars, engine, PolicyBenchOptions.defaults());
    }

    BenchOptions(MeshOptions mesh, int prompts, int maxTokens, int draftLength, int promptChars) {
        this(mesh, prompts, maxTokens, draftLength, promptChars, EngineBenchOptions.defaults());
    }
}

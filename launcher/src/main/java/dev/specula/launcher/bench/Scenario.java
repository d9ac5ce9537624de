package dev.specula.launcher.bench;

/** One named benchmark. Scenarios measure side by side in one run; ratios are what they report. */
interface Scenario {

    String name();

    String description();

    BenchReport run(BenchOptions options) throws Exception;
}

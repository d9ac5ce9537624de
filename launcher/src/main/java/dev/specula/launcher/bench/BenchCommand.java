package dev.specula.launcher.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code specula bench SCENARIO}: placeholder until scenarios land. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a benchmark scenario.")
public final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}

package dev.specula.launcher;

import dev.specula.launcher.bench.BenchCommand;
import dev.specula.launcher.cli.GenerateCommand;
import dev.specula.launcher.cli.ServeCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the all-in-one jar behind {@code ./specula}. */
@Command(name = "specula", mixinStandardHelpOptions = true, version = "specula 0.1.0",
        description = "Client-server speculative decoding mesh.",
        subcommands = {GenerateCommand.class, ServeCommand.class, BenchCommand.class})
public final class SpeculaMain implements Runnable {

    public static void main(String[] args) {
        // Enum options (--draft-source hybrid, --length-policy adaptive) in any case.
        int code = new CommandLine(new SpeculaMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        System.exit(code);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}

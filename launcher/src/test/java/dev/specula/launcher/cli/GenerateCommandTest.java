package dev.specula.launcher.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.specula.client.remote.GenerationMode;
import dev.specula.launcher.SpeculaMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code ./specula generate}'s option parsing, without starting the mesh. */
class GenerateCommandTest {

    /** A usage error (exit code 2) comes from parsing, before {@code call()} could start any service. */
    @Test
    void anUnknownModeIsAUsageErrorNamingTheOptionAndTheValidModes() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new SpeculaMain())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));

        int exitCode = cli.execute("generate", "--mode", "speculatve", "int gcd(");

        assertThat(exitCode).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains("--mode")
                .contains("unknown mode 'speculatve': use speculative, target-only or draft-only")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(out.toString()).isEmpty();
    }

    @ParameterizedTest(name = "--mode {0}")
    @CsvSource({"speculative, SPECULATIVE", "target-only, TARGET_ONLY", "DRAFT_ONLY, DRAFT_ONLY",
            "Draft-Only, DRAFT_ONLY"})
    void theThreeModesParseInAnySpelling(String option, GenerationMode expected) {
        GenerateCommand command = new GenerateCommand();

        new CommandLine(command).parseArgs("--mode", option, "--max-tokens", "5", "int gcd(");

        assertThat(command.mode).isEqualTo(expected);
        assertThat(command.maxTokens).isEqualTo(5);
        assertThat(command.prompt).isEqualTo("int gcd(");
    }

    @Test
    void theModeDefaultsToSpeculative() {
        GenerateCommand command = new GenerateCommand();

        new CommandLine(command).parseArgs("int gcd(");

        assertThat(command.mode).isEqualTo(GenerationMode.SPECULATIVE);
    }
}

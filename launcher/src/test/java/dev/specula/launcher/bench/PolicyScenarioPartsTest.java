package dev.specula.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pieces of the policy benchmarks that decide what is measured: editing prompts and token agreement. */
class PolicyScenarioPartsTest {

    @Test
    void anEditingPromptQuotesTheCodeThenBeginsItsRewrite() {
        String code = "int a = 1;\nint b = 2;\nint c = 3;\n";
        assertThat(EditingPrompts.prompt(code, 2)).isEqualTo(
                "// original:\nint a = 1;\nint b = 2;\nint c = 3;\n// rewritten:\nint a = 1;\nint b = 2;\n");
        assertThat(EditingPrompts.prompt("x", 3)).as("code without a newline").isEqualTo("// original:\nx\n// rewritten:\n");
    }

    @Test
    void agreementIsTheShareOfPositionsHoldingTheSameToken() {
        assertThat(EntropySwitchingScenario.agreement(new int[] {1, 2, 3, 4}, new int[] {1, 9, 3, 4})).isEqualTo(0.75);
        assertThat(EntropySwitchingScenario.agreement(new int[] {1, 2}, new int[] {1, 2, 3, 4})).isEqualTo(0.5);
        assertThat(EntropySwitchingScenario.agreement(new int[0], new int[0])).isEqualTo(1.0);
    }
}
